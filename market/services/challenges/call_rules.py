"""What a valid call looks like: input → column values, with the rules that need today or several fields
(the window, weights adding to 100, milestones after the window and in order, funding shares, 赛马制). Each
field's own rules are declared in market/inputs/challenges.py. All messages come back at once."""

from datetime import date, timedelta

from market.errors import ValidationFailed
from market.inputs.challenges import ChallengeIn
from market.models.challenge import Challenge
from market.money import fen_to_yuan
from market.services.taxonomy import find_field

MAX_LEAD_DAYS = 365  # a window opening more than a year from now is a typo, not a plan
MAX_WINDOW_DAYS = 366  # applications are collected for at most a year
DEMAND_FIELDS = (
    "title",
    "description",
    "field_id",
    "reward_fen",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def call_data(challenge: Challenge) -> dict:
    """A stored call as its input reads it (yuan strings, ISO dates, rows as dicts): what the edit page shows
    and what a partial change is laid over."""
    demand = challenge.demand
    return {
        "programme": challenge.programme or "",
        "title": demand.title,
        "description": demand.description,
        "field": demand.field.name if demand.field else "",
        "reward_yuan": str(fen_to_yuan(demand.reward_fen)) if demand.reward_fen else "",
        "indicators": challenge.indicators,
        "funding_shares": [dict(share) for share in challenge.funding_shares or []],
        "eligible_org_kinds": list(challenge.eligible_org_kinds or []),
        "eligible_regions": list(challenge.eligible_regions or []),
        "qualifications": challenge.qualifications or "",
        "applications_open_on": challenge.applications_open_on.isoformat(),
        "applications_close_on": challenge.applications_close_on.isoformat(),
        "criteria": [
            {"name": c.name, "weight": c.weight, "description": c.description or ""}
            for c in challenge.criteria
        ],
        "milestones": [
            {
                "kind": m.kind,
                "title": m.title,
                "deliverable": m.deliverable or "",
                "due_on": m.due_on.isoformat(),
                "tranche_percent": m.tranche_percent,
            }
            for m in challenge.milestones
        ],
        "selection_mode": challenge.selection_mode,
        "race_teams": challenge.race_teams,
        "contact_name": demand.contact_name or "",
        "contact_phone": demand.contact_phone or "",
        "contact_email": demand.contact_email or "",
    }


def clean_call(
    data: dict, today: date, opened_on: date | None = None, programme_required: bool = False, errors=None
) -> dict:
    """Column values of a call, or ValidationFailed with every field's message (and those already in
    `errors`). `opened_on`: the stored window's first day of a call being changed (it may stay in the past; a
    new first day may not). `programme_required`: a government organisation's call names its programme."""
    errors = dict(errors or {})
    values = ChallengeIn.clean({k: v for k, v in (data or {}).items() if k != "org_id"}, errors=errors)
    if programme_required and not values.get("programme") and "programme" not in errors:
        errors["programme"] = "代政府项目发榜时请填写所属榜单/专项名称"
    _field(values, errors)
    _window(values, errors, today, opened_on)
    _shares(values, errors)
    _criteria(values, errors)
    _milestones(values, errors)
    _selection(values, errors)
    if errors:
        raise ValidationFailed(errors)
    return values


def _field(values: dict, errors: dict) -> None:
    name = values.pop("field", None)
    if name:
        field = find_field(name)
        if field is None:
            errors.setdefault("field", "技术领域不存在，请从列表中选择")
        else:
            values["field_id"] = field.id


def _window(values: dict, errors: dict, today: date, opened_on: date | None) -> None:
    open_on, close_on = values.get("applications_open_on"), values.get("applications_close_on")
    if open_on:
        if open_on < today and open_on != opened_on:
            errors.setdefault("applications_open_on", "征集开始日期不能早于今天")
        elif open_on > today + timedelta(days=MAX_LEAD_DAYS):
            errors.setdefault("applications_open_on", "征集开始日期不能晚于一年以后")
    if close_on:
        if close_on < today:
            errors.setdefault("applications_close_on", "征集截止日期不能早于今天")
        elif open_on and close_on < open_on:
            errors.setdefault("applications_close_on", "征集截止日期不能早于开始日期")
        elif open_on and (close_on - open_on).days >= MAX_WINDOW_DAYS:
            errors.setdefault("applications_close_on", "征集期最长一年，请核对截止日期")


def _shares(values: dict, errors: dict) -> None:
    shares = values.get("funding_shares")
    if shares:
        total = sum(share["percent"] for share in shares)
        if total != 100:
            errors.setdefault("funding_shares", f"出资比例合计应为100%（现为{total}%）")


def _criteria(values: dict, errors: dict) -> None:
    criteria = values.get("criteria")
    if not criteria:
        return
    names = [c["name"] for c in criteria]
    repeated = next((name for i, name in enumerate(names) if name in names[:i]), None)
    total = sum(c["weight"] for c in criteria)
    if total != 100:
        errors.setdefault("criteria", f"评审标准的权重合计应为100（现为{total}）")
    elif repeated:
        errors.setdefault("criteria", f"评审标准“{repeated}”重复")


def _milestones(values: dict, errors: dict) -> None:
    milestones = values.get("milestones")
    if not milestones:
        return
    close_on = values.get("applications_close_on")
    for number, milestone in enumerate(milestones, start=1):
        milestone["tranche_percent"] = milestone.get("tranche_percent") or 0
        if close_on and milestone["due_on"] <= close_on:
            errors.setdefault("milestones", f"里程碑第{number}项的完成日期应晚于征集截止日期（{close_on}）")
        if number > 1 and milestone["due_on"] < milestones[number - 2]["due_on"]:
            errors.setdefault("milestones", f"里程碑应按完成日期先后排列：第{number}项早于第{number - 1}项")
    total = sum(m["tranche_percent"] for m in milestones)
    if total > 100:
        errors.setdefault("milestones", f"各里程碑的拨付比例合计不能超过100%（现为{total}%）")


def _selection(values: dict, errors: dict) -> None:
    if values.get("selection_mode") == "race":
        if not values.get("race_teams"):
            errors.setdefault("race_teams", "赛马制请填写并行攻关的团队数（2–10）")
    else:
        values["race_teams"] = None
