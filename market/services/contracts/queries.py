"""Reading the register: one contract, filtered lists and exports, a contract's history, the form's
choices."""

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from market.errors import NotFound
from market.extensions import db
from market.models import AuditEntry, Field, User
from market.models.contract import Contract, ContractAttachment
from market.models.vocab import CONTRACT_STATUSES, CONTRACT_TYPES, DEFAULT_FIELDS
from market.services.base import Page, paginate, parse_row_id
from market.services.contracts.rules import can_view_contract, is_viewer
from market.services.filters import query_text
from market.services.permissions import is_admin, is_signed_in


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
        mine += [
            Contract.seller_org_id == actor.organisation_id,
            Contract.buyer_org_id == actor.organisation_id,
        ]
    return query.where(or_(*mine))


def contract_filters(data: dict) -> dict:
    """Filters of the contract list from user input; bad values are dropped, not errors."""
    out = {}
    if (status := query_text(data.get("status"))) in CONTRACT_STATUSES:
        out["status"] = status
    if (kind := query_text(data.get("type"))) in CONTRACT_TYPES:
        out["type"] = kind
    if field := query_text(data.get("field")):
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
        query = query.where(
            or_(
                Contract.title.contains(q, autoescape=True),
                Contract.number.contains(q, autoescape=True),
                Contract.registration_number.contains(q, autoescape=True),
            )
        )
    return query.order_by(Contract.signed_on.desc(), Contract.id.desc())


def iter_filtered_contracts(actor, filters: dict, chunk: int = 500):
    """Every contract the actor may see under contract_filters(filters), fetched `chunk` rows at a time
    (exports)."""
    query = filtered_contracts(actor, contract_filters(filters)).options(
        selectinload(Contract.seller), selectinload(Contract.buyer), selectinload(Contract.broker)
    )
    yield from db.session.scalars(query.execution_options(yield_per=chunk))


def list_contracts(actor, filters: dict, page=1, per_page=20) -> Page:
    """One page of the contracts the actor may see."""
    query = filtered_contracts(actor, contract_filters(filters)).options(
        selectinload(Contract.seller),
        selectinload(Contract.buyer),
        selectinload(Contract.broker),
        selectinload(Contract.attachments).selectinload(ContractAttachment.uploaded_by),
    )
    return paginate(query, page, per_page)


def contract_history(actor, contract_id) -> list:
    """Audit entries of a contract (workflow steps and corrections), newest first."""
    contract = get_contract(actor, contract_id)
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "contract", AuditEntry.object_id == contract.id)
            .order_by(AuditEntry.id.desc())
        )
    )


def broker_choices(limit: int = 2000) -> list[User]:
    """Active brokers by name, for the broker field of a contract."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "broker", User.active.is_(True))
            .order_by(User.display_name)
            .limit(limit)
        )
    )


def field_choices() -> list[str]:
    """Fields offered on the contract form: the taxonomy's names, or the defaults."""
    names = list(db.session.scalars(select(Field.name).order_by(Field.id)))
    return names or list(DEFAULT_FIELDS)
