"""A money input with its 元/万元 switch. Pages show amounts in 万元, so people type them in 万元 too."""

from decimal import Decimal, InvalidOperation

from wtforms import StringField
from wtforms.utils import unset_value

from market.money import UNIT_FACTORS

UNITS = ("万元", "元")
WRITTEN_UNIT = ("元", "万", "亿")  # a unit typed in the text wins over the switch


def with_unit(typed: str, unit: str) -> str:
    """What the service reads: the text as typed, with the switch's unit unless the text names its own."""
    text = (typed or "").strip()
    if not text or unit == "元" or any(mark in text for mark in WRITTEN_UNIT):
        return text
    return f"{text}万"


def in_unit(yuan, unit: str) -> str:
    """A stored yuan amount ("1500000.00", a Decimal) as typed in `unit` ("150" 万元); '' for none."""
    if yuan is None or yuan == "":
        return ""
    try:
        amount = Decimal(str(yuan)) / UNIT_FACTORS[unit]
    except (InvalidOperation, KeyError):
        return str(yuan)
    text = format(amount.normalize(), "f")
    return text


class MoneyField(StringField):
    """An amount with a 元/万元 switch sent beside it as `<name>_unit`. The service gets the text with the
    switch's unit ("12.5" in 万元 → "12.5万"), read exactly by market/money.read_yuan; "100000元" typed with
    万元 selected stays 100000 元; posted without the switch, the amount is in 元 (as the form used to ask).
    Filled from stored data (yuan), it shows the amount in its default unit.
    Without JavaScript it is a text input and a select; market.js adds a preview of the amount in 元."""

    def __init__(self, label=None, validators=None, unit: str = "万元", **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.default_unit = self.unit = unit
        self.typed = ""

    @property
    def unit_name(self) -> str:
        return f"{self.name}_unit"

    @property
    def units(self) -> tuple:
        return UNITS

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.unit = self.default_unit
        if formdata is not None:
            # A form posted without the switch (a script written for the old form) meant 元.
            sent = formdata.get(self.unit_name)
            self.unit = sent if sent in UNITS else "元"
        super().process(formdata, data, extra_filters)

    def process_data(self, value):
        self.typed = in_unit(value, self.unit)
        self.data = "" if value is None else str(value)

    def process_formdata(self, valuelist):
        if valuelist:
            self.typed = valuelist[0] or ""
            self.data = with_unit(self.typed, self.unit)

    def _value(self) -> str:
        return self.typed
