"""Who may read, write and register contracts, and what a valid contract is (cleaning of the form's
fields)."""

from datetime import date

from market.extensions import db
from market.models import Achievement, Demand, Organisation, User
from market.models.contract import Contract
from market.models.vocab import (
    CONTRACT_SUBTYPES,
    CONTRACT_TYPES,
    CONTRACT_TYPES_WITH_SUBTYPE,
    PAYMENT_MODES,
    PROVINCES,
)
from market.services.base import parse_row_id
from market.services.permissions import is_admin, is_signed_in
from market.services.text import Cleaner

EDITABLE = ("draft", "returned")


TRANSITIONS = {  # status → statuses it may move to
    "draft": ("submitted",),
    "submitted": ("registered", "returned"),
    "returned": ("submitted",),
    "registered": (),
}


MAX_CORRECTION_REASON = 500


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


def _org(c: Cleaner, name: str, label: str, current: Contract | None) -> None:
    if not c.present(name):
        return
    row_id = parse_row_id(c.data.get(name))
    org = db.session.get(Organisation, row_id) if row_id else None
    if org is None:
        return c.fail(name, f"请选择{label}（已登记的机构）")
    if not org.is_verified and org.id != getattr(current, name, None):  # a party kept from before may stay
        return c.fail(name, f"{label}须是已通过平台认证的机构")
    c.values[name] = org.id


def _optional_row(c: Cleaner, name: str, model, label: str) -> None:
    if not c.present(name):
        return
    raw = c.data.get(name)
    if raw in (None, ""):
        c.values[name] = None
        return
    row_id = parse_row_id(raw)
    if row_id is None or db.session.get(model, row_id) is None:
        return c.fail(name, f"{label}不存在")
    c.values[name] = row_id


def _broker(c: Cleaner) -> None:
    if not c.present("broker_id"):
        return
    raw = c.data.get("broker_id")
    if raw in (None, ""):
        c.values["broker_id"] = None
        return
    row_id = parse_row_id(raw)
    user = db.session.get(User, row_id) if row_id else None
    if user is None or user.role != "broker":
        return c.fail("broker_id", "技术经纪人不存在")
    c.values["broker_id"] = user.id


def clean_contract(data: dict, current: Contract | None = None, *, recognised_fen: int | None = None) -> dict:
    """Column values of a contract from user input, or ValidationFailed with a message per field.

    recognised_fen: a new 核定技术交易额 that a correction sets together with these fields.
    """
    partial = current is not None
    c = Cleaner(data, partial)
    c.text("number", "合同编号", required=True, max_len=60)
    c.text("title", "合同名称", required=True, max_len=200)
    c.choice(
        "contract_type",
        "合同类型",
        tuple(CONTRACT_TYPES),
        required=True,
        synonyms={v: k for k, v in CONTRACT_TYPES.items()},
    )
    c.choice(
        "subtype",
        "转让/许可标的",
        tuple(CONTRACT_SUBTYPES),
        synonyms={v: k for k, v in CONTRACT_SUBTYPES.items()},
    )
    _org(c, "seller_org_id", "卖方", current)
    _org(c, "buyer_org_id", "买方", current)
    _broker(c)
    _optional_row(c, "achievement_id", Achievement, "关联科技成果")
    _optional_row(c, "demand_id", Demand, "关联技术需求")
    c.money("amount", "合同金额", required=True, attr="amount_fen")
    c.choice(
        "payment_mode",
        "支付方式",
        tuple(PAYMENT_MODES),
        required=True,
        synonyms={v: k for k, v in PAYMENT_MODES.items()},
    )
    c.date("signed_on", "签订日期", required=True)
    c.date("term_start", "合同起始日期")
    c.date("term_end", "合同截止日期")
    c.text("field", "技术领域", required=True, max_len=40)
    c.choice("buyer_province", "买方所在省份", PROVINCES)
    c.text("note", "备注", max_len=2000, multiline=True)

    merged = {name: getattr(current, name, None) for name in CORRECTABLE} if current else {}
    merged.update(c.values)
    kind, subtype = merged.get("contract_type"), merged.get("subtype")
    if kind in CONTRACT_TYPES_WITH_SUBTYPE and not subtype and "contract_type" not in c.errors:
        c.fail("subtype", "技术转让和技术许可合同须注明标的（专利权、技术秘密等）")
    elif kind and kind not in CONTRACT_TYPES_WITH_SUBTYPE and subtype:
        c.values["subtype"] = None  # only 转让/许可 carry one; a stale choice from the form is dropped
    if merged.get("seller_org_id") and merged.get("seller_org_id") == merged.get("buyer_org_id"):
        c.fail("buyer_org_id", "买方和卖方不能是同一机构")
    start, end, signed = merged.get("term_start"), merged.get("term_end"), merged.get("signed_on")
    if start and end and end < start:
        c.fail("term_end", "合同截止日期不能早于起始日期")
    if signed and signed > date.today():
        c.fail("signed_on", "签订日期不能晚于今天")
    if signed and signed.year < 1990:
        c.fail("signed_on", "签订日期应在1990年以后")
    recognised = merged.get("recognised_fen") if recognised_fen is None else recognised_fen
    if recognised is not None and merged.get("amount_fen") is not None and recognised > merged["amount_fen"]:
        if recognised_fen is None:
            c.fail("amount", "合同金额不能低于已核定的技术交易额")
        else:
            c.fail("recognised_amount", "核定技术交易额不能高于合同金额")
    if "note" in c.values and c.values["note"] is None:
        c.values["note"] = ""
    if "buyer_province" in c.values and c.values["buyer_province"] is None:
        c.values["buyer_province"] = "陕西省"
    return c.done()


def _snapshot_seller(values: dict) -> None:
    """Region and kind of the seller as they are when the contract is written (statistics keep them)."""
    if "seller_org_id" in values:
        seller = db.session.get(Organisation, values["seller_org_id"])
        values["seller_region"], values["seller_kind"] = seller.region, seller.kind
