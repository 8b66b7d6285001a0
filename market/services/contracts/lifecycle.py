"""A contract's life: draft → submitted → registered, or returned and submitted again; corrections of a
registered contract with their reason; the parties are told by the worker."""

from datetime import date

from sqlalchemy import select

from market import events
from market.clock import today_in_beijing
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.contracts import ContractCorrectionIn, ContractRegistrationIn, ContractReturnIn
from market.models import Deal, User
from market.models.base import utcnow
from market.models.contract import Contract
from market.models.vocab import CONTRACT_STATUSES
from market.services import audit, uploads
from market.services.base import unit_of_work
from market.services.contracts.attachments import AREA
from market.services.contracts.queries import get_contract
from market.services.contracts.rules import (
    EDITABLE,
    TRANSITIONS,
    _snapshot_seller,
    can_edit_contract,
    can_write_contracts,
    check_contract,
    clean_contract,
    is_party,
)
from market.services.notifications import add_notifications
from market.services.permissions import is_admin, require_admin


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
    audit.record(
        actor,
        "contract.create",
        "contract",
        contract.id,
        {"number": contract.number, "title": contract.title},
    )
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
        raise InvalidTransition(
            f"{contract.status_label}的合同不能修改"
            + ("；已登记合同请由管理员更正" if contract.status == "registered" else "")
        )
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
    audit.record(
        actor,
        "contract.delete",
        "contract",
        contract.id,
        {"number": contract.number, "title": contract.title},
    )
    db.session.delete(contract)
    db.session.flush()
    for name in files:
        uploads.discard_file(AREA, name)


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
    return (
        db.session.scalar(
            select(Contract.id).where(Contract.registration_number == number, Contract.id != contract.id)
        )
        is not None
    )


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
    errors = {}
    values = ContractRegistrationIn.clean(data, errors=errors)
    if values.get("recognised_fen") is not None and values["recognised_fen"] > contract.amount_fen:
        errors.setdefault("recognised_amount", "核定技术交易额不能高于合同金额")
    number = values.get("registration_number")
    if number and _number_taken(number, contract):
        errors.setdefault("registration_number", "该登记编号已被使用")
    if errors:
        raise ValidationFailed(errors)
    _move(contract, "registered")
    contract.recognised_fen = values["recognised_fen"]
    contract.registration_number = number or _free_registration_number(contract, today_in_beijing())
    contract.registered_at, contract.registered_by_id = utcnow(), actor.id
    audit.record(
        actor,
        "contract.register",
        "contract",
        contract.id,
        {"registration_number": contract.registration_number, "recognised_fen": contract.recognised_fen},
    )
    _announce(
        "contract.registered",
        contract,
        actor,
        f"合同《{contract.title}》已登记，登记编号 {contract.registration_number}",
    )
    return contract


@unit_of_work
def return_contract(actor, contract_id, reason) -> Contract:
    """An admin sends a submitted contract back to the parties with the reason."""
    require_admin(actor)
    contract = get_contract(actor, contract_id)
    values = ContractReturnIn.clean({"reason": reason})
    _move(contract, "returned")
    contract.return_reason = values["reason"]
    audit.record(actor, "contract.return", "contract", contract.id, {"reason": values["reason"]})
    _announce(
        "contract.returned", contract, actor, f"合同《{contract.title}》被退回：{values['reason'][:60]}"
    )
    return contract


@unit_of_work
def correct_contract(actor, contract_id, data: dict, reason) -> Contract:
    """An admin corrects a registered contract; the audit log keeps the old values, who, when and why."""
    require_admin(actor)
    contract = get_contract(actor, contract_id)
    if contract.status != "registered":
        raise InvalidTransition("只有已登记的合同需要更正；未登记的合同直接修改")
    data = {**(data or {}), "reason": reason}
    if data.get("registration_number") is None:  # a page's empty field, or none sent: kept
        data.pop("registration_number", None)
    errors = {}  # every wrong field at once: the reason, the registration and the contract's fields
    values = ContractCorrectionIn.clean(data, errors=errors)
    why = values.pop("reason", None)
    check_contract(values, errors, contract, recognised_fen=values.get("recognised_fen"))
    number = values.get("registration_number")
    if number is not None and db.session.scalar(
        select(Contract.id).where(Contract.registration_number == number, Contract.id != contract.id)
    ):
        errors.setdefault("registration_number", "该登记编号已被使用")
    amount = values.get("amount_fen", contract.amount_fen)
    if "recognised_amount" not in errors and values.get("recognised_fen", contract.recognised_fen) > amount:
        errors.setdefault("recognised_amount", "核定技术交易额不能高于合同金额")
    if errors:
        raise ValidationFailed(errors)
    if values.get("seller_org_id") == contract.seller_org_id:
        del values[
            "seller_org_id"
        ]  # same seller: keep the snapshot the statistics counted, not today's region
    _snapshot_seller(values)
    changes = audit.diff(contract, values)
    if not changes:
        raise ValidationFailed({"reason": "没有需要更正的内容"})
    for name, value in values.items():
        setattr(contract, name, value)
    audit.record(actor, "contract.correct", "contract", contract.id, {**changes, "reason": why})
    return contract


def _announce(event: str, contract: Contract, actor, title: str) -> None:
    """Record a step of the register; the parties and the broker are told by the worker, and a deal that
    opened the contract follows a registration (market.services.deals subscribes)."""
    events.record(event, contract_id=contract.id, actor_id=getattr(actor, "id", None), title=title)


@events.subscribe("contract.submitted", "contract.registered", "contract.returned")
def notify_contract_parties(payload: dict) -> None:
    """Tell the members of both parties and the contract's broker (not whoever acted)."""
    contract = db.session.get(Contract, payload["contract_id"])
    if contract is None:
        return
    users = set(
        db.session.scalars(
            select(User.id).where(
                User.organisation_id.in_([contract.seller_org_id, contract.buyer_org_id]),
                User.active.is_(True),
            )
        )
    )
    if contract.broker_id:
        users.add(contract.broker_id)
    users.discard(payload.get("actor_id"))
    add_notifications(sorted(users), "contract", title=payload["title"], link=f"/contracts/{contract.id}")
