"""What a valid achievement, demand or instrument looks like: input → column values. Each field's rules are
declared in market/inputs/listings.py; here are those that need the database or several fields."""

from datetime import date

from market.errors import ValidationFailed
from market.inputs.listings import LISTING_INPUTS, NOT_CONTENT
from market.models.vocab import STAGE_TRL
from market.services.taxonomy import find_field

# What a whole listing's fields left out read as (an update leaves them as they are).
LEFT_OUT = {
    "achievement": {"keywords": [], "patent_numbers": [], "transfer_modes": [], "maturity": None},
    "demand": {"open_call": False},
    "equipment": {"open_for_booking": True, "description": "", "fee_items": []},
}


def clean_listing(kind: str, data: dict, partial: bool = False, today: date | None = None) -> dict:
    """Column values of a listing of this kind, or ValidationFailed with every field's message. `today`: a
    demand's deadline may not be earlier."""
    data = {key: value for key, value in (data or {}).items() if key not in NOT_CONTENT}
    errors: dict = {}
    values = LISTING_INPUTS[kind].clean(data, partial=partial, errors=errors)
    if "field" in values:
        _field(values, errors)
    if kind == "achievement":
        _maturity(values, errors)
        if values.get("confidential_details", "") is None:
            values["confidential_details"] = ""
    elif kind == "demand":
        _demand(data, values, errors, today)
    elif values.get("description", "") is None:
        values["description"] = ""
    if errors:
        raise ValidationFailed(errors)
    return values if partial else {**LEFT_OUT[kind], **values}


def _field(values: dict, errors: dict) -> None:
    name = values.pop("field")
    field = find_field(name) if name else None
    if name and field is None:
        errors.setdefault("field", "技术领域不存在，请从列表中选择")
    else:
        values["field_id"] = field.id if field else None


def _maturity(values: dict, errors: dict) -> None:
    """A TRL number given as the maturity is stored with its stage; a stage given with a TRL must fit it."""
    stage, trl = values.get("maturity"), values.get("trl")
    if isinstance(stage, int):
        values["trl"] = stage
        values["maturity"] = next(s for s, (lo, hi) in STAGE_TRL.items() if lo <= stage <= hi)
    elif stage and trl and not STAGE_TRL[stage][0] <= trl <= STAGE_TRL[stage][1]:
        lo, hi = STAGE_TRL[stage]
        errors.setdefault("trl", f"“{stage}”阶段对应 TRL {lo}–{hi}")


def _demand(data: dict, values: dict, errors: dict, today: date | None) -> None:
    low, high = values.get("budget_min_fen"), values.get("budget_max_fen")
    if low is not None and high is not None and low > high:
        errors.setdefault("budget_max_yuan", "预算上限不能低于预算下限")
    deadline = values.get("deadline")
    if deadline and today and deadline < today:
        errors.setdefault("deadline", "截止日期不能早于今天")
    if values.get("reward_fen") and not values.get("open_call", data.get("open_call")):
        errors.setdefault("reward_yuan", "只有揭榜挂帅需求可以设置揭榜奖励")
