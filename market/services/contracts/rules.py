"""Who may read, write and register contracts, and what a valid contract is (cleaning of the form's
fields: ContractIn loads them, check_contract adds the rules needing the database or several fields)."""

from market.clock import today_in_beijing
from market.errors import ValidationFailed
from market.extensions import db
from market.inputs.contracts import MAX_CORRECTION_REASON, ContractIn  # noqa: F401 (the limit: for callers)
from market.models import Achievement, Demand, Organisation, User
from market.models.contract import Contract
from market.models.vocab import CONTRACT_TYPES_WITH_SUBTYPE
from market.services.permissions import is_admin, is_signed_in

EDITABLE = ("draft", "returned")


TRANSITIONS = {  # status → statuses it may move to
    "draft": ("submitted",),
    "submitted": ("registered", "returned"),
    "returned": ("submitted",),
    "registered": (),
}


# What a correction may change: everything the statistics read, plus the registration itself.
CORRECTABLE = (
    "number",
    "title",
    "contract_type",
    "subtype",
    "seller_org_id",
    "buyer_org_id",
    "broker_id",
    "achievement_id",
    "demand_id",
    "amount_fen",
    "recognised_fen",
    "payment_mode",
    "signed_on",
    "term_start",
    "term_end",
    "field",
    "seller_region",
    "seller_kind",
    "buyer_province",
    "note",
    "registration_number",
)


def is_viewer(actor) -> bool:
    return is_signed_in(actor) and actor.role == "viewer"


def can_read_all(actor) -> bool:
    """Admins and government viewers read the whole register."""
    return is_admin(actor) or is_viewer(actor)


def is_party(actor, contract: Contract) -> bool:
    """The actor belongs to the seller or the buyer, or is the contract's broker (a viewer never acts as
    one)."""
    if not is_signed_in(actor) or actor.role == "viewer":
        return False
    in_org = actor.organisation_id is not None and actor.organisation_id in (
        contract.seller_org_id,
        contract.buyer_org_id,
    )
    return in_org or (contract.broker_id is not None and contract.broker_id == actor.id)


def can_view_contract(actor, contract: Contract) -> bool:
    return (
        is_admin(actor) or (is_viewer(actor) and contract.status == "registered") or is_party(actor, contract)
    )


def can_edit_contract(actor, contract: Contract) -> bool:
    return contract.status in EDITABLE and (
        is_admin(actor) or (is_party(actor, contract) and actor.is_verified)
    )


def can_write_contracts(actor) -> bool:
    """Verified members of an organisation and brokers write contracts; viewers only read."""
    return is_admin(actor) or (
        is_signed_in(actor)
        and actor.role != "viewer"
        and actor.is_verified
        and actor.organisation_id is not None
    )


def _org(values: dict, errors: dict, name: str, label: str, current: Contract | None) -> None:
    if name not in values:
        return
    org = db.session.get(Organisation, values[name])
    if org is None:
        errors.setdefault(name, f"请选择{label}（已登记的机构）")
    elif not org.is_verified and org.id != getattr(current, name, None):  # a party kept from before may stay
        errors.setdefault(name, f"{label}须是已通过平台认证的机构")
    else:
        return
    del values[name]


def _optional_row(values: dict, errors: dict, name: str, model, label: str) -> None:
    if values.get(name) is not None and db.session.get(model, values[name]) is None:
        errors.setdefault(name, f"{label}不存在")
        del values[name]


def _broker(values: dict, errors: dict) -> None:
    if values.get("broker_id") is not None:
        user = db.session.get(User, values["broker_id"])
        if user is None or user.role != "broker":
            errors.setdefault("broker_id", "技术经纪人不存在")
            del values["broker_id"]


def clean_contract(data: dict, current: Contract | None = None) -> dict:
    """Column values of a contract from user input (only the fields sent when it exists), or
    ValidationFailed with a message per field."""
    errors = {}
    values = ContractIn.clean(data, partial=current is not None, errors=errors)
    check_contract(values, errors, current)
    if errors:
        raise ValidationFailed(errors)
    return values


def check_contract(values: dict, errors: dict, current: Contract | None, recognised_fen: int | None = None):
    """The rules of a contract needing the database or several fields, on values loaded by ContractIn (or
    ContractCorrectionIn): wrong ones go into `errors` (a field's first message stays).

    recognised_fen: a new 核定技术交易额 that a correction sets together with these fields.
    """
    _org(values, errors, "seller_org_id", "卖方", current)
    _org(values, errors, "buyer_org_id", "买方", current)
    _broker(values, errors)
    _optional_row(values, errors, "achievement_id", Achievement, "关联科技成果")
    _optional_row(values, errors, "demand_id", Demand, "关联技术需求")

    merged = {name: getattr(current, name, None) for name in CORRECTABLE} if current else {}
    merged.update(values)
    kind, subtype = merged.get("contract_type"), merged.get("subtype")
    if kind in CONTRACT_TYPES_WITH_SUBTYPE and not subtype and "contract_type" not in errors:
        errors.setdefault("subtype", "技术转让和技术许可合同须注明标的（专利权、技术秘密等）")
    elif kind and kind not in CONTRACT_TYPES_WITH_SUBTYPE and subtype:
        values["subtype"] = None  # only 转让/许可 carry one; a stale choice from the form is dropped
    if merged.get("seller_org_id") and merged.get("seller_org_id") == merged.get("buyer_org_id"):
        errors.setdefault("buyer_org_id", "买方和卖方不能是同一机构")
    start, end, signed = merged.get("term_start"), merged.get("term_end"), merged.get("signed_on")
    if start and end and end < start:
        errors.setdefault("term_end", "合同截止日期不能早于起始日期")
    if signed and signed > today_in_beijing():
        errors.setdefault("signed_on", "签订日期不能晚于今天")
    if signed and signed.year < 1990:
        errors.setdefault("signed_on", "签订日期应在1990年以后")
    recognised = merged.get("recognised_fen") if recognised_fen is None else recognised_fen
    if recognised is not None and merged.get("amount_fen") is not None and recognised > merged["amount_fen"]:
        if recognised_fen is None:
            errors.setdefault("amount", "合同金额不能低于已核定的技术交易额")
        else:
            errors.setdefault("recognised_amount", "核定技术交易额不能高于合同金额")
    if "note" in values and values["note"] is None:
        values["note"] = ""
    if "buyer_province" in values and values["buyer_province"] is None:
        values["buyer_province"] = "陕西省"


def _snapshot_seller(values: dict) -> None:
    """Region and kind of the seller as they are when the contract is written (statistics keep them)."""
    if "seller_org_id" in values:
        seller = db.session.get(Organisation, values["seller_org_id"])
        values["seller_region"], values["seller_kind"] = seller.region, seller.kind
