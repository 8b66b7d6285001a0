"""InputSchema, which loads an input, and what every input field shares (see market/inputs)."""

from marshmallow import EXCLUDE, Schema, ValidationError, pre_load

from market.errors import ValidationFailed


class InputSchema(Schema):
    """An input. Loading ignores fields not declared (a page sends its buttons too); the API refuses them, and
    the document says so (additionalProperties: false).

    `updates = True` declares an update: only the fields sent are read, `required` then means "not empty when
    sent", and the document lists no field as required."""

    updates = False

    def __init__(self, *args, **kwargs):
        if self.updates:
            kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)

    @pre_load
    def _absent_is_empty(self, data, partial=False, **kwargs):
        """Unless partial, a field not sent reads as empty (None): required ones are then refused, others
        take their empty value (one that refuses null is left out)."""
        if partial or not isinstance(data, dict):
            return data
        absent = {
            field.data_key or name: None
            for name, field in self.load_fields.items()
            if field.required or field.allow_none
        }
        return {**absent, **data}

    @classmethod
    def clean(cls, data: dict | None, *, partial: bool | None = None, errors: dict | None = None) -> dict:
        """The typed values of `data`, or ValidationFailed with the first message of each wrong field. With
        `partial`, only the fields present are read (an update; the default is the schema's `updates`).

        With `errors`, nothing is raised: each wrong field's message goes into that dict and the values of
        the right ones come back, for a service that adds the rules needing the database and then raises once
        with every message."""
        try:
            return cls().load(data or {}, partial=partial, unknown=EXCLUDE)
        except ValidationError as exc:
            found = {name: _first(message) for name, message in exc.messages.items()}
            if errors is None:
                raise ValidationFailed(found) from None
            for name, message in found.items():
                errors.setdefault(name, message)
            return exc.valid_data or {}


def _first(message) -> str:
    while isinstance(message, (list, dict)):
        message = message[0] if isinstance(message, list) else next(iter(message.values()))
    return str(message)


class _Input:
    """What every input field shares: a Chinese label, "required" as "not empty", and how it is documented.

    `allow_none=False` on an optional field documents it as not nullable, so the API refuses null before the
    service runs (market/api/conformance.py); None from a page or another service still reads as empty, as
    for every optional field (a yes/no is the exception: see Boolean). Such a field left out is left out.

    `may_be_empty` (with `required`): the field is documented as required, yet an empty or missing value
    reads as empty and the service decides (a deal message may be a file alone)."""

    ask = "请填写"  # 请选择 for choices

    def __init__(
        self,
        label: str,
        *args,
        required: bool = False,
        may_be_empty: bool = False,
        description: str | None = None,
        **kwargs,
    ):
        self.label, self.needed, self.may_be_empty = label, required and not may_be_empty, may_be_empty
        message = self.asking()
        metadata = {"description": description or self.describe(label), **kwargs.pop("metadata", {})}
        kwargs["required"] = required
        kwargs.setdefault("allow_none", not required)
        super().__init__(
            *args, error_messages={"required": message, "null": message}, metadata=metadata, **kwargs
        )

    def asking(self) -> str:
        """The message for a required field left empty."""
        return f"{self.ask}{self.label}"

    def describe(self, label: str) -> str:
        return label

    def empty(self):
        """The value of an empty input: refused when required."""
        if self.needed:
            raise ValidationError(self.asking())
        return None

    def reads_none_as_empty(self) -> bool:
        return self.may_be_empty or not self.required

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None and self.reads_none_as_empty():
            return self.empty()
        return super().deserialize(value, attr, data, **kwargs)
