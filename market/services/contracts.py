"""The technology-contract register (技术合同登记): drafts by the parties or their broker, registration by admins.

draft → submitted → registered, or submitted → returned → submitted again. A registered contract changes
only through an admin correction that keeps the old values and the reason in the audit log; its attachments
are never deleted, and a file is added to it only as a correction with its reason. Only registered contracts
count in statistics.
"""
import hashlib
import os
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from market import events
from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import Achievement, AuditEntry, Deal, Demand, Field, Organisation, User
from market.models.base import utcnow
from market.models.contract import Contract, ContractAttachment
from market.models.vocab import (CONTRACT_STATUSES, CONTRACT_SUBTYPES, CONTRACT_TYPES, CONTRACT_TYPES_WITH_SUBTYPE,
                                 DEFAULT_FIELDS, PAYMENT_MODES, PROVINCES)
from market.services import audit
from market.services.base import Page, after_commit, on_rollback, paginate, parse_row_id, unit_of_work
from market.services.filters import query_text
from market.services.notifications import add_notifications
from market.services.permissions import is_admin, is_signed_in, require_admin
from market.services.text import Cleaner
from market.storage import attachment_dir

EDITABLE = ("draft", "returned")
TRANSITIONS = {  # status → statuses it may move to
    "draft": ("submitted",),
    "submitted": ("registered", "returned"),
    "returned": ("submitted",),
    "registered": (),
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_CORRECTION_REASON = 500
REGISTERED_ATTACHMENTS_STAY = ("已登记合同的附件不能删除（任何人，包括管理员）：登记材料须与登记时一致；"
                               "如有错漏，请由管理员通过更正补充附件并填写更正原因")
# What a correction may change: everything the statistics read, plus the registration itself.
CORRECTABLE = ("number", "title", "contract_type", "subtype", "seller_org_id", "buyer_org_id", "broker_id",
               "achievement_id", "demand_id", "amount_fen", "recognised_fen", "payment_mode", "signed_on",
               "term_start", "term_end", "field", "seller_region", "seller_kind", "buyer_province", "note",
               "registration_number")


def is_viewer(actor) -> bool:
    return is_signed_in(actor) and actor.role == "viewer"


def can_read_all(actor) -> bool:
    """Admins and government viewers read the whole register."""
    return is_admin(actor) or is_viewer(actor)


def is_party(actor, contract: Contract) -> bool:
    """The actor belongs to the seller or the buyer, or is the contract's broker (a viewer never acts as one)."""
    if not is_signed_in(actor) or actor.role == "viewer":
        return False
    in_org = actor.organisation_id is not None and actor.organisation_id in (contract.seller_org_id, contract.buyer_org_id)
    return in_org or (contract.broker_id is not None and contract.broker_id == actor.id)


def can_view_contract(actor, contract: Contract) -> bool:
    return is_admin(actor) or (is_viewer(actor) and contract.status == "registered") or is_party(actor, contract)


def can_edit_contract(actor, contract: Contract) -> bool:
    return contract.status in EDITABLE and (is_admin(actor) or (is_party(actor, contract) and actor.is_verified))


def can_write_contracts(actor) -> bool:
    """Verified members of an organisation and brokers write contracts; viewers only read."""
    return is_admin(actor) or (is_signed_in(actor) and actor.role != "viewer" and actor.is_verified
                               and actor.organisation_id is not None)


# ---- reading -------------------------------------------------------------------------------------------

def get_contract(actor, contract_id) -> Contract:
    """A contract the actor may see; others get 'not found' so that numbers do not leak."""
    row_id = parse_row_id(contract_id)
    contract = db.session.get(Contract, row_id) if row_id else None
    if contract is None or not can_view_contract(actor, contract):
        raise NotFound("该合同不存在")
    return contract


def visible_contracts(actor):
    """A select of the contracts the actor may see."""
    query = select(Contract)
    if is_admin(actor):
        return query
    if is_viewer(actor):
        return query.where(Contract.status == "registered")
    if not is_signed_in(actor):
        return query.where(False)
    mine = [Contract.broker_id == actor.id]
    if actor.organisation_id is not None:
        mine += [Contract.seller_org_id == actor.organisation_id, Contract.buyer_org_id == actor.organisation_id]
    return query.where(or_(*mine))


def contract_filters(data: dict) -> dict:
    """Filters of the contract list from user input; bad values are dropped, not errors."""
    out = {}
    if (status := query_text(data.get("status"))) in CONTRACT_STATUSES:
        out["status"] = status
    if (kind := query_text(data.get("type"))) in CONTRACT_TYPES:
        out["type"] = kind
    if (field := query_text(data.get("field"))):
        out["field"] = field[:40]
    if q := query_text(data.get("q"))[:100]:
        out["q"] = q
    for name in ("from", "to"):
        try:
            out[name] = date.fromisoformat(str(data.get(name) or "").strip())
        except ValueError:
            pass
    return out


def filtered_contracts(actor, filters: dict):
    """The visible contracts narrowed by contract_filters(), newest signing first."""
    query = visible_contracts(actor)
    if "status" in filters:
        query = query.where(Contract.status == filters["status"])
    if "type" in filters:
        query = query.where(Contract.contract_type == filters["type"])
    if "field" in filters:
        query = query.where(Contract.field == filters["field"])
    if "from" in filters:
        query = query.where(Contract.signed_on >= filters["from"])
    if "to" in filters:
        query = query.where(Contract.signed_on <= filters["to"])
    if "q" in filters:
        q = filters["q"]
        query = query.where(or_(Contract.title.contains(q, autoescape=True), Contract.number.contains(q, autoescape=True),
                                Contract.registration_number.contains(q, autoescape=True)))
    return query.order_by(Contract.signed_on.desc(), Contract.id.desc())


def iter_filtered_contracts(actor, filters: dict, chunk: int = 500):
    """Every contract the actor may see under contract_filters(filters), fetched `chunk` rows at a time (exports)."""
    query = filtered_contracts(actor, contract_filters(filters)).options(
        selectinload(Contract.seller), selectinload(Contract.buyer), selectinload(Contract.broker))
    yield from db.session.scalars(query.execution_options(yield_per=chunk))


def list_contracts(actor, filters: dict, page=1, per_page=20) -> Page:
    """One page of the contracts the actor may see."""
    query = filtered_contracts(actor, contract_filters(filters)).options(
        selectinload(Contract.seller), selectinload(Contract.buyer), selectinload(Contract.broker),
        selectinload(Contract.attachments).selectinload(ContractAttachment.uploaded_by))
    return paginate(query, page, per_page)


def contract_history(actor, contract_id) -> list:
    """Audit entries of a contract (workflow steps and corrections), newest first."""
    contract = get_contract(actor, contract_id)
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "contract", AuditEntry.object_id == contract.id)
        .order_by(AuditEntry.id.desc())))


# ---- cleaning ------------------------------------------------------------------------------------------

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
    c.choice("contract_type", "合同类型", tuple(CONTRACT_TYPES), required=True,
             synonyms={v: k for k, v in CONTRACT_TYPES.items()})
    c.choice("subtype", "转让/许可标的", tuple(CONTRACT_SUBTYPES), synonyms={v: k for k, v in CONTRACT_SUBTYPES.items()})
    _org(c, "seller_org_id", "卖方", current)
    _org(c, "buyer_org_id", "买方", current)
    _broker(c)
    _optional_row(c, "achievement_id", Achievement, "关联科技成果")
    _optional_row(c, "demand_id", Demand, "关联技术需求")
    c.money("amount", "合同金额", required=True, attr="amount_fen")
    c.choice("payment_mode", "支付方式", tuple(PAYMENT_MODES), required=True,
             synonyms={v: k for k, v in PAYMENT_MODES.items()})
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


def _require_party_after(actor, values: dict, current: Contract | None = None) -> None:
    """A non-admin must stay a party of what they write: their organisation on one side, or its broker."""
    if is_admin(actor):
        return
    seller = values.get("seller_org_id", getattr(current, "seller_org_id", None))
    buyer = values.get("buyer_org_id", getattr(current, "buyer_org_id", None))
    broker = values.get("broker_id", getattr(current, "broker_id", None))
    if actor.role == "broker":
        if broker != actor.id and actor.organisation_id not in (seller, buyer):
            raise ValidationFailed({"broker_id": "经纪人登记的合同须由本人担任技术经纪人"})
    elif actor.organisation_id not in (seller, buyer):
        raise ValidationFailed({"seller_org_id": "本机构须是合同的买方或卖方"})


# ---- writing -------------------------------------------------------------------------------------------

@unit_of_work
def create_contract(actor, data: dict) -> Contract:
    """A new draft contract written by a party, its broker or an admin."""
    return write_contract_draft(actor, data)


def write_contract_draft(actor, data: dict) -> Contract:
    """create_contract inside the caller's unit of work (a deal reaching 签约 opens its contract this way)."""
    if not can_write_contracts(actor):
        raise PermissionDenied("仅已认证机构的用户、技术经纪人和管理员可以登记合同")
    data = dict(data or {})
    if actor.role == "broker" and not data.get("broker_id"):
        data["broker_id"] = actor.id
    values = clean_contract(data)
    _require_party_after(actor, values)
    _snapshot_seller(values)
    contract = Contract(**values, status="draft", created_by_id=actor.id)
    db.session.add(contract)
    db.session.flush()
    audit.record(actor, "contract.create", "contract", contract.id, {"number": contract.number, "title": contract.title})
    return contract


@unit_of_work
def update_contract(actor, contract_id, data: dict) -> Contract:
    """Change a draft or returned contract."""
    contract = get_contract(actor, contract_id)
    if not can_edit_contract(actor, contract):
        if not (is_admin(actor) or is_party(actor, contract)):  # e.g. a viewer: no edits, whatever the status
            raise PermissionDenied("只有合同当事方、其技术经纪人或管理员可以修改合同")
        if contract.status in EDITABLE:
            raise PermissionDenied("本机构尚未通过平台认证，暂不能修改合同")
        raise InvalidTransition(f"{contract.status_label}的合同不能修改" +
                                ("；已登记合同请由管理员更正" if contract.status == "registered" else ""))
    values = clean_contract(data, current=contract)
    _require_party_after(actor, values, contract)
    _snapshot_seller(values)
    changes = audit.diff(contract, values)
    for name, value in values.items():
        setattr(contract, name, value)
    if changes:
        audit.record(actor, "contract.update", "contract", contract.id, changes)
    return contract


@unit_of_work
def delete_contract(actor, contract_id) -> None:
    """Delete a draft (never a contract that was submitted: its history stays)."""
    contract = get_contract(actor, contract_id)
    if not (is_admin(actor) or is_party(actor, contract)):
        raise PermissionDenied("只有合同当事方、其技术经纪人或管理员可以删除草稿")
    if contract.status != "draft":
        raise InvalidTransition("只有草稿可以删除；已提交的合同会保留记录")
    if db.session.scalar(select(Deal.id).where(Deal.contract_id == contract.id)):
        raise InvalidTransition("该合同由对接签约生成，不能删除；如不再签约，请在对接中选择终止")
    files = [a.stored_name for a in contract.attachments]
    audit.record(actor, "contract.delete", "contract", contract.id, {"number": contract.number, "title": contract.title})
    db.session.delete(contract)
    db.session.flush()
    for name in files:
        after_commit(_attachment_path(name).unlink, missing_ok=True)


def _move(contract: Contract, to: str) -> None:
    if to not in TRANSITIONS[contract.status]:
        raise InvalidTransition(f"{contract.status_label}的合同不能变为{CONTRACT_STATUSES[to]}")
    contract.status = to


@unit_of_work
def submit_contract(actor, contract_id) -> Contract:
    """A party or the broker sends the contract for registration."""
    contract = get_contract(actor, contract_id)
    if not (is_admin(actor) or is_party(actor, contract)):
        raise PermissionDenied("只有合同当事方、其技术经纪人或管理员可以提交登记")
    _move(contract, "submitted")
    contract.submitted_at = utcnow()
    contract.return_reason = None
    audit.record(actor, "contract.submit", "contract", contract.id, {"status": "submitted"})
    _announce("contract.submitted", contract, actor, f"合同《{contract.title}》已提交登记")
    return contract


def registration_number_for(contract: Contract, today: date) -> str:
    """登记编号: registration year + 611100 (西咸新区) + the contract's row number."""
    return f"{today.year}611100{contract.id:08d}"


def _number_taken(number: str, contract: Contract) -> bool:
    return db.session.scalar(select(Contract.id).where(Contract.registration_number == number,
                                                       Contract.id != contract.id)) is not None


def _free_registration_number(contract: Contract, today: date) -> str:
    """The assigned 登记编号, with a suffix when an admin already typed that number for another contract."""
    base = number = registration_number_for(contract, today)
    suffix = 1
    while _number_taken(number, contract):
        suffix += 1
        number = f"{base}-{suffix}"
    return number


@unit_of_work
def register_contract(actor, contract_id, data: dict) -> Contract:
    """An admin registers a submitted contract: 登记编号 (given or assigned) and the recognised amount."""
    require_admin(actor)
    contract = get_contract(actor, contract_id)
    c = Cleaner(data or {})
    c.money("recognised_amount", "核定技术交易额", required=True, attr="recognised_fen")
    c.text("registration_number", "登记编号", max_len=40)
    values = c.values
    if values.get("recognised_fen") is not None and values["recognised_fen"] > contract.amount_fen:
        c.fail("recognised_amount", "核定技术交易额不能高于合同金额")
    number = values.get("registration_number")
    if number and _number_taken(number, contract):
        c.fail("registration_number", "该登记编号已被使用")
    c.done()
    _move(contract, "registered")
    contract.recognised_fen = values["recognised_fen"]
    contract.registration_number = number or _free_registration_number(contract, date.today())
    contract.registered_at, contract.registered_by_id = utcnow(), actor.id
    audit.record(actor, "contract.register", "contract", contract.id, {
        "registration_number": contract.registration_number, "recognised_fen": contract.recognised_fen})
    _announce("contract.registered", contract, actor,
              f"合同《{contract.title}》已登记，登记编号 {contract.registration_number}")
    return contract


@unit_of_work
def return_contract(actor, contract_id, reason) -> Contract:
    """An admin sends a submitted contract back to the parties with the reason."""
    require_admin(actor)
    contract = get_contract(actor, contract_id)
    c = Cleaner({"reason": reason})
    c.text("reason", "退回原因", required=True, max_len=500, multiline=True)
    values = c.done()
    _move(contract, "returned")
    contract.return_reason = values["reason"]
    audit.record(actor, "contract.return", "contract", contract.id, {"reason": values["reason"]})
    _announce("contract.returned", contract, actor, f"合同《{contract.title}》被退回：{values['reason'][:60]}")
    return contract


@unit_of_work
def correct_contract(actor, contract_id, data: dict, reason) -> Contract:
    """An admin corrects a registered contract; the audit log keeps the old values, who, when and why."""
    require_admin(actor)
    contract = get_contract(actor, contract_id)
    if contract.status != "registered":
        raise InvalidTransition("只有已登记的合同需要更正；未登记的合同直接修改")
    c = Cleaner({"reason": reason})
    c.text("reason", "更正原因", required=True, max_len=MAX_CORRECTION_REASON, multiline=True)
    why = c.done()["reason"]
    data = dict(data or {})
    recognised = {}
    if "recognised_amount" in data:
        r = Cleaner(data)
        r.money("recognised_amount", "核定技术交易额", required=True, attr="recognised_fen")
        recognised = r.done()
    number = data.pop("registration_number", None)
    values = clean_contract({k: v for k, v in data.items() if k != "recognised_amount"}, current=contract,
                            recognised_fen=recognised.get("recognised_fen"))
    values.update(recognised)
    if number is not None:
        number = str(number).strip()
        if not number or len(number) > 40:
            raise ValidationFailed({"registration_number": "登记编号不能为空，且不超过40个字"})
        if db.session.scalar(select(Contract.id).where(Contract.registration_number == number, Contract.id != contract.id)):
            raise ValidationFailed({"registration_number": "该登记编号已被使用"})
        values["registration_number"] = number
    amount = values.get("amount_fen", contract.amount_fen)
    if values.get("recognised_fen", contract.recognised_fen) > amount:
        raise ValidationFailed({"recognised_amount": "核定技术交易额不能高于合同金额"})
    if values.get("seller_org_id") == contract.seller_org_id:
        del values["seller_org_id"]  # same seller: keep the snapshot the statistics counted, not today's region
    _snapshot_seller(values)
    changes = audit.diff(contract, values)
    if not changes:
        raise ValidationFailed({"reason": "没有需要更正的内容"})
    for name, value in values.items():
        setattr(contract, name, value)
    audit.record(actor, "contract.correct", "contract", contract.id, {**changes, "reason": why})
    return contract


def _announce(event: str, contract: Contract, actor, title: str) -> None:
    """Record a step of the register; the parties and the broker are told by the worker, and a deal that opened
    the contract follows a registration (market.services.deals subscribes)."""
    events.record(event, contract_id=contract.id, actor_id=getattr(actor, "id", None), title=title)


@events.subscribe("contract.submitted", "contract.registered", "contract.returned")
def notify_contract_parties(payload: dict) -> None:
    """Tell the members of both parties and the contract's broker (not whoever acted)."""
    contract = db.session.get(Contract, payload["contract_id"])
    if contract is None:
        return
    users = set(db.session.scalars(select(User.id).where(
        User.organisation_id.in_([contract.seller_org_id, contract.buyer_org_id]), User.active.is_(True))))
    if contract.broker_id:
        users.add(contract.broker_id)
    users.discard(payload.get("actor_id"))
    add_notifications(sorted(users), "contract", title=payload["title"], link=f"/contracts/{contract.id}")


# ---- attachments ---------------------------------------------------------------------------------------

def _attachment_dir() -> Path:
    return attachment_dir("contracts")


def _attachment_path(stored_name: str) -> Path:
    return _attachment_dir() / stored_name


def _lock(contract: Contract) -> None:
    """Re-read the contract under a row lock: a registration committing meanwhile is seen before files change
    (PostgreSQL; SQLite runs one writer at a time)."""
    db.session.refresh(contract, with_for_update=True)


def _clean_upload(filename: str, content: bytes | None, contract: Contract) -> tuple[str, dict]:
    """The display name of an upload and what is wrong with it (checked by size and first bytes, not by name)."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:200] or "合同扫描件.pdf"
    if content is None or len(content) == 0:
        return name, {"file": "请选择要上传的文件"}
    if len(content) > MAX_ATTACHMENT_BYTES:
        return name, {"file": f"文件不能超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB"}
    if not content.startswith(b"%PDF-") or not name.lower().endswith(".pdf"):
        return name, {"file": "只接受 PDF 文件（合同扫描件）"}
    if len(contract.attachments) >= MAX_ATTACHMENTS:
        return name, {"file": f"每份合同最多 {MAX_ATTACHMENTS} 个附件"}
    return name, {}


def _store_attachment(actor, contract: Contract, name: str, content: bytes, reason: str | None) -> ContractAttachment:
    """Write the file and its row; the file only lands under its final name when nothing else failed."""
    stored = f"{uuid.uuid4().hex}.pdf"
    folder = _attachment_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored
    tmp = path.with_suffix(".part")
    tmp.write_bytes(content)
    on_rollback(tmp.unlink, missing_ok=True)  # no file without its row
    on_rollback(path.unlink, missing_ok=True)
    attachment = ContractAttachment(contract_id=contract.id, filename=name, stored_name=stored, size=len(content),
                                    sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=actor.id,
                                    correction_reason=reason)
    db.session.add(attachment)
    db.session.flush()
    if reason is None:
        audit.record(actor, "contract.attach", "contract", contract.id, {"file": name, "size": len(content)})
    else:
        audit.record(actor, "contract.attach_correction", "contract", contract.id,
                     {"file": name, "size": len(content), "sha256": attachment.sha256, "reason": reason})
    os.replace(tmp, path)
    return attachment


@unit_of_work
def add_attachment(actor, contract_id, filename: str, content: bytes) -> ContractAttachment:
    """Store a PDF scan of a contract that is not registered yet (a registered one takes files only by correction)."""
    contract = get_contract(actor, contract_id)
    if not (is_admin(actor) or (is_party(actor, contract) and contract.status != "registered")):
        raise PermissionDenied("只有合同当事方、其技术经纪人（登记前）或管理员可以上传附件")
    _lock(contract)
    if contract.status == "registered":
        raise InvalidTransition("已登记的合同不能直接上传附件：请通过更正补充附件，并填写更正原因")
    name, errors = _clean_upload(filename, content, contract)
    if errors:
        raise ValidationFailed(errors)
    return _store_attachment(actor, contract, name, content, None)


@unit_of_work
def add_attachment_correction(actor, contract_id, filename: str, content: bytes, reason) -> ContractAttachment:
    """An admin adds a PDF to a registered contract as a correction; the reason stays with the file and in the log."""
    require_admin(actor)
    contract = get_contract(actor, contract_id)
    if contract.status != "registered":
        raise InvalidTransition("只有已登记的合同需要通过更正补充附件；未登记的合同请直接上传")
    c = Cleaner({"reason": reason})
    c.text("reason", "更正原因", required=True, max_len=MAX_CORRECTION_REASON, multiline=True)
    name, errors = _clean_upload(filename, content, contract)
    if errors or c.errors:
        raise ValidationFailed({**c.errors, **errors})
    return _store_attachment(actor, contract, name, content, c.values["reason"])


def get_attachment(actor, contract_id, attachment_id) -> tuple[ContractAttachment, Path]:
    """An attachment of a contract the actor may see, with the path of its file."""
    contract = get_contract(actor, contract_id)
    row_id = parse_row_id(attachment_id)
    attachment = db.session.get(ContractAttachment, row_id) if row_id else None
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound("该附件不存在")
    path = _attachment_path(attachment.stored_name)
    if not path.is_file():
        raise NotFound("附件文件已丢失，请重新上传")
    return attachment, path


@unit_of_work
def delete_attachment(actor, contract_id, attachment_id) -> None:
    """Remove an attachment from a contract that is not registered yet; nobody, admins included, removes one after."""
    contract = get_contract(actor, contract_id)
    if not (is_admin(actor) or is_party(actor, contract)):
        raise PermissionDenied("只有合同当事方在登记前或管理员可以删除附件")
    _lock(contract)
    if contract.status == "registered":
        raise InvalidTransition(REGISTERED_ATTACHMENTS_STAY)
    if not (is_admin(actor) or contract.status in EDITABLE):
        raise PermissionDenied("只有合同当事方在登记前或管理员可以删除附件")
    row_id = parse_row_id(attachment_id)
    attachment = db.session.get(ContractAttachment, row_id) if row_id else None
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound("该附件不存在")
    audit.record(actor, "contract.detach", "contract", contract.id, {"file": attachment.filename})
    stored = attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    after_commit(_attachment_path(stored).unlink, missing_ok=True)  # a rolled-back delete keeps its file


def organisation_choices(contract: Contract | None = None, limit: int = 2000) -> list[Organisation]:
    """Organisations a contract may name: the verified ones by name, plus the contract's own parties."""
    orgs = list(db.session.scalars(select(Organisation).where(Organisation.verification_state == "verified")
                                   .order_by(Organisation.kind, Organisation.name).limit(limit)))
    for party in (getattr(contract, "seller", None), getattr(contract, "buyer", None)):
        if party is not None and party not in orgs:
            orgs.append(party)
    return orgs


def broker_choices(limit: int = 2000) -> list[User]:
    """Active brokers by name, for the broker field of a contract."""
    return list(db.session.scalars(select(User).where(User.role == "broker", User.active.is_(True))
                                   .order_by(User.display_name).limit(limit)))


def field_choices() -> list[str]:
    """Fields offered on the contract form: the taxonomy's names, or the defaults."""
    names = list(db.session.scalars(select(Field.name).order_by(Field.id)))
    return names or list(DEFAULT_FIELDS)
