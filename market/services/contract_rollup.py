"""The monthly rollup of registered contracts: what the dashboard and the stats API read for whole months.

Two tables (models/contract_rollup): `contract_monthly_totals`, one row per month, type, field, seller region,
seller kind and buyer region, and `contract_party_monthly_totals`, one row per month and seller, buyer or
broker. They change in the same transaction as the contracts they count: every flush that adds, changes or
deletes a contract moves it between cells (`_lock_before` reads the rows it will change, locked, before the
flush; `_count_after` reads them again after it and writes the difference), so registration, correction and
anything else that writes a contract through the ORM keeps them exact, and concurrent corrections of one
contract cannot count its old values twice. Only registered contracts count. `rebuild` recomputes both tables
from `contracts` (`flask --app wsgi market rebuild-contract-rollup`), e.g. after rows were written around the
ORM.
"""

from collections import defaultdict
from datetime import date

from sqlalchemy import (
    Date,
    bindparam,
    case,
    cast,
    delete,
    event,
    func,
    inspect,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from market.extensions import db
from market.models.contract import Contract
from market.models.contract_rollup import ContractMonthlyTotal, ContractPartyMonthlyTotal
from market.services.base import unit_of_work

IN_PROVINCE = "陕西省"  # a buyer here is 省内
# The dashboard's groups each table answers, by the column that holds them.
CELL_GROUPS = {
    "type": ContractMonthlyTotal.contract_type,
    "field": ContractMonthlyTotal.field,
    "region": ContractMonthlyTotal.seller_region,
    "seller_kind": ContractMonthlyTotal.seller_kind,
    "buyer_region": ContractMonthlyTotal.buyer_region,
    "month": ContractMonthlyTotal.month,
}
PARTIES = {"seller": Contract.seller_org_id, "buyer": Contract.buyer_org_id, "broker": Contract.broker_id}
GROUPS = (*CELL_GROUPS, *PARTIES)
# What a contract counts as: a change to any of these moves it between cells.
COUNTED = (
    "status",
    "signed_on",
    "contract_type",
    "field",
    "seller_region",
    "seller_kind",
    "buyer_province",
    "amount_fen",
    "recognised_fen",
    "seller_org_id",
    "buyer_org_id",
    "broker_id",
)
CELL_KEY = ("month", "contract_type", "field", "seller_region", "seller_kind", "buyer_region")
PARTY_KEY = ("role", "month", "party_id")
SUMS = ("count", "amount_fen", "recognised_fen")
_PENDING = "contract_rollup_pending"
# A write that changes nothing (updated_at is in no index and no key, so SQLite rewrites no index for it).
_TOUCH = text("UPDATE contracts SET updated_at = updated_at WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def buyer_region(province: str) -> str:
    """省内 (in) or 省外 (out), as the dashboard groups buyers."""
    return "in" if province == IN_PROVINCE else "out"


# ---- keeping the tables in step (inside the caller's transaction) -----------------------------------------


def _counted_change(contract: Contract) -> bool:
    attrs = inspect(contract).attrs
    return any(attrs[name].history.has_changes() for name in COUNTED)


def _lock_before(session: Session, _flush_context, _instances) -> None:
    """Before a flush: the registered values of the contracts it changes, their rows locked until commit."""
    changed = [obj.id for obj in session.dirty if isinstance(obj, Contract) and _counted_change(obj)]
    changed += [obj.id for obj in session.deleted if isinstance(obj, Contract)]
    new = [obj for obj in session.new if isinstance(obj, Contract) and obj.status == "registered"]
    if not changed and not new:
        session.info.pop(_PENDING, None)
        return
    before = _counted_rows(session, changed, lock=True) if changed else []
    session.info[_PENDING] = (changed, new, before)


def _count_after(session: Session, _flush_context) -> None:
    """After a flush: the same contracts as the database now holds them; the difference goes to the rollup."""
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    changed, new, before = pending
    after = _counted_rows(session, changed + [obj.id for obj in new if obj.id is not None])
    cells, parties = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])
    for rows, sign in ((before, -1), (after, 1)):
        for row in rows:
            _add(cells, parties, row, sign)
    _write(session, ContractMonthlyTotal, CELL_KEY, cells)
    _write(session, ContractPartyMonthlyTotal, PARTY_KEY, parties)


def _counted_rows(session: Session, ids: list[int], lock: bool = False) -> list:
    """The counted columns of those contracts that are registered; with lock, all their rows are locked first,
    so no other writer's commit comes between what is read here and this flush's changes."""
    if not ids:
        return []
    connection = session.connection()
    query = select(*(getattr(Contract, name) for name in COUNTED)).where(Contract.id.in_(ids))
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    elif lock:  # SQLite locks the database for one writer: a write takes it before the read
        connection.execute(_TOUCH, {"ids": ids})
    return [row for row in connection.execute(query) if row.status == "registered"]


def _add(cells: dict, parties: dict, row, sign: int) -> None:
    month = row.signed_on.replace(day=1)
    sums = (sign, sign * row.amount_fen, sign * (row.recognised_fen or 0))
    keys = [
        (
            cells,
            (
                month,
                row.contract_type,
                row.field,
                row.seller_region,
                row.seller_kind,
                buyer_region(row.buyer_province),
            ),
        )
    ]
    for role, party in (
        ("seller", row.seller_org_id),
        ("buyer", row.buyer_org_id),
        ("broker", row.broker_id),
    ):
        if party is not None:
            keys.append((parties, (role, month, party)))
    for target, key in keys:
        for n, value in enumerate(sums):
            target[key][n] += value


def _write(session: Session, model, key_names: tuple, deltas: dict) -> None:
    """Add the differences to their cells (in key order, so concurrent writers lock alike); drop emptied
    cells."""
    rows = [
        {**dict(zip(key_names, key)), **dict(zip(SUMS, sums))}
        for key, sums in sorted(deltas.items())
        if any(sums)
    ]
    if not rows:
        return
    connection = session.connection()
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[connection.dialect.name](model)
    table = model.__table__
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=list(key_names),
            set_={name: table.c[name] + insert.excluded[name] for name in SUMS},
        ),
        rows,
    )
    emptied = [tuple(row[name] for name in key_names) for row in rows if row["count"] < 0]
    if emptied:
        columns = tuple_(*(table.c[name] for name in key_names))
        connection.execute(delete(table).where(columns.in_(emptied), table.c["count"] == 0))


def install() -> None:
    """Listen to every session's flushes (idempotent)."""
    for name, listener in (("before_flush", _lock_before), ("after_flush", _count_after)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# ---- rebuilding from the contracts ------------------------------------------------------------------------


def _month_of(column):
    if db.engine.dialect.name == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


@unit_of_work
def rebuild(progress=None) -> dict:
    """Recompute both tables from the registered contracts, a year at a time, in one transaction (writers of
    contracts wait for it); returns the contracts, amount and cells counted."""
    say = progress or (lambda _text: None)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("LOCK TABLE contract_monthly_totals, contract_party_monthly_totals IN EXCLUSIVE MODE")
        )
    db.session.execute(delete(ContractMonthlyTotal))
    db.session.execute(delete(ContractPartyMonthlyTotal))
    registered = Contract.status == "registered"
    first, last = db.session.execute(
        select(func.min(Contract.signed_on), func.max(Contract.signed_on)).where(registered)
    ).one()
    report = {"contracts": 0, "amount_fen": 0, "cells": 0, "party_cells": 0}
    years = range(first.year, last.year + 1) if first else range(0)
    for year in years:
        in_year = (
            registered,
            Contract.signed_on >= date(year, 1, 1),
            Contract.signed_on <= date(year, 12, 31),
        )
        month = _month_of(Contract.signed_on)
        region = case((Contract.buyer_province == IN_PROVINCE, "in"), else_="out")
        sums = (
            func.count(),
            func.sum(Contract.amount_fen),
            func.sum(func.coalesce(Contract.recognised_fen, 0)),
        )
        keys = (
            month,
            Contract.contract_type,
            Contract.field,
            Contract.seller_region,
            Contract.seller_kind,
            region,
        )
        db.session.execute(
            ContractMonthlyTotal.__table__.insert().from_select(
                [*CELL_KEY, *SUMS], select(*keys, *sums).where(*in_year).group_by(*keys)
            )
        )
        for role, column in PARTIES.items():
            db.session.execute(
                ContractPartyMonthlyTotal.__table__.insert().from_select(
                    [*PARTY_KEY, *SUMS],
                    select(literal(role), month, column, *sums)
                    .where(*in_year, column.is_not(None))
                    .group_by(month, column),
                )
            )
        count, amount = db.session.execute(
            select(
                func.coalesce(func.sum(ContractMonthlyTotal.count), 0),
                func.coalesce(func.sum(ContractMonthlyTotal.amount_fen), 0),
            ).where(
                ContractMonthlyTotal.month >= date(year, 1, 1),
                ContractMonthlyTotal.month <= date(year, 12, 1),
            )
        ).one()
        report["contracts"] += int(count)
        report["amount_fen"] += int(amount)
        say(f"{year}年：{int(count):,} 份已登记合同")
    report["cells"] = db.session.scalar(select(func.count()).select_from(ContractMonthlyTotal))
    report["party_cells"] = db.session.scalar(select(func.count()).select_from(ContractPartyMonthlyTotal))
    return report


# ---- reading ----------------------------------------------------------------------------------------------


def _months(first: date, last: date, column):
    """first and last: the first days of the first and the last month wanted."""
    return (column >= first, column <= last)


def totals(first: date, last: date) -> tuple[int, int, int]:
    """Count, 成交额 and 技术交易额 of the contracts signed in the months first..last (their first days)."""
    t = ContractMonthlyTotal
    row = db.session.execute(
        select(
            func.coalesce(func.sum(t.count), 0),
            func.coalesce(func.sum(t.amount_fen), 0),
            func.coalesce(func.sum(t.recognised_fen), 0),
        ).where(*_months(first, last, t.month))
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def grouped(first: date, last: date, group_by: str, top: int | None = None) -> list[tuple]:
    """(key, count, amount, recognised) per value of one group over the months first..last; a month's key is
    its first day; top: only that many, largest amount first."""
    if group_by in PARTIES:
        t = ContractPartyMonthlyTotal
        column = t.party_id
        where = (t.role == group_by, *_months(first, last, t.month))
    else:
        t = ContractMonthlyTotal
        column = CELL_GROUPS[group_by]
        where = _months(first, last, t.month)
    amount = func.sum(t.amount_fen)
    query = (
        select(column, func.sum(t.count), amount, func.sum(t.recognised_fen)).where(*where).group_by(column)
    )
    if top:
        query = query.order_by(amount.desc(), column).limit(top)
    return [(r[0], int(r[1]), int(r[2]), int(r[3])) for r in db.session.execute(query)]
