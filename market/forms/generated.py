"""Page forms generated from input declarations (market/inputs): the page's fields, labels, help texts and
widgets come from the same schema the service loads what the page sends with."""

from wtforms import BooleanField, StringField, TextAreaField

from market.forms import ChoiceField, ServiceForm
from market.inputs import fields as inputs

NUMBER = {"inputmode": "decimal"}
WHOLE_NUMBER = {"inputmode": "numeric"}


def form_for(schema_class, name: str | None = None) -> type[ServiceForm]:
    """A ServiceForm with one page field per field of `schema_class`, in the order they are declared."""
    attributes = {name: _page_field(field) for name, field in schema_class._declared_fields.items()}
    return type(name or schema_class.__name__.removesuffix("In") + "Form", (ServiceForm,), attributes)


def _page_field(field):
    """The WTForms field for one input field; `hint` in its metadata is the help text under it, `rows` makes
    text a text area. No maxlength: a browser cuts a longer paste without a word; the service refuses it with
    a message and the page keeps the text."""
    label, hint = field.label, field.metadata.get("hint")
    if isinstance(field, inputs.Choice):
        return ChoiceField(label, choices=[("", "请选择"), *field.labelled_choices()], description=hint)
    if isinstance(field, inputs.Boolean):
        return BooleanField(label, description=hint)
    if isinstance(field, inputs.Text):
        if field.multiline or "rows" in field.metadata:
            return TextAreaField(label, description=hint, render_kw={"rows": field.metadata.get("rows", 4)})
        return StringField(label, description=hint)
    if isinstance(field, inputs.Date):
        return StringField(label, description=hint, render_kw={"type": "date"})
    if isinstance(field, inputs.Integer):
        return StringField(label, description=hint, render_kw=WHOLE_NUMBER)
    if isinstance(field, (inputs.Quantity, inputs.Money)):
        return StringField(label, description=hint, render_kw=NUMBER)
    return StringField(label, description=hint)
