"""One declaration per input: a schema whose fields carry their label, type, limits and Chinese messages.

The services load what pages and the API send through these schemas (`SomeIn.clean(data)`) after checking
who asks, and keep only the rules that need the database or several fields; the OpenAPI document is
generated from the same fields (the label and limits become the description, a number's range minimum and
maximum). A field reads what people type: text is trimmed and stripped of control characters, a number may
come as text, an empty string means "not given"; `required` means "not empty" (请填写…/请选择…).
"""

from market.inputs.base import InputSchema
from market.inputs.fields import (
    BeijingTime,
    Boolean,
    Choice,
    CreditCode,
    Date,
    Email,
    Integer,
    Money,
    Number,
    Object,
    Password,
    Quantity,
    RowId,
    Text,
    TextList,
    Url,
)
