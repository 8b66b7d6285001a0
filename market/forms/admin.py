"""Forms of the admin pages generated from their input declarations (market/inputs)."""

from market.forms.generated import form_for
from market.inputs.policies import PolicyIn
from market.inputs.taxonomy import FieldIn

FieldForm = form_for(FieldIn, "FieldForm")
PolicyForm = form_for(PolicyIn, "PolicyForm")
