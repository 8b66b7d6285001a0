"""The monthly rollup of registered contracts: equal, to the fen, to the contracts counted from scratch after
every registration, return and correction; rebuilt by its command; the statistics read from it give what the
contracts give."""

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select, text

from market.models import Contract, ContractMonthlyTotal, ContractPartyMonthlyTotal
from market.services import contract_rollup, contracts
from market.services import contract_stats as stats
from market.services.contract_stats import Period, period_from
from tests.services.test_contract_stats import TODAY, random_register, write  # noqa: F401 (a fixture)


def from_scratch(db) -> tuple[dict, dict]:
    """Both tables as they should be, counted in Python from every registered contract."""
    cells, parties = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])
    for c in db.session.scalars(select(Contract).where(Contract.status == "registered")):
        month = c.signed_on.replace(day=1)
        region = "in" if c.buyer_province == "陕西省" else "out"
        keys = [(cells, (month, c.contract_type, c.field, c.seller_region, c.seller_kind, region))]
        keys += [(parties, ("seller", month, c.seller_org_id)), (parties, ("buyer", month, c.buyer_org_id))]
        if c.broker_id is not None:
            keys.append((parties, ("broker", month, c.broker_id)))
        for target, key in keys:
            target[key][0] += 1
            target[key][1] += c.amount_fen
            target[key][2] += c.recognised_fen or 0
    return {k: tuple(v) for k, v in cells.items()}, {k: tuple(v) for k, v in parties.items()}


def stored(db) -> tuple[dict, dict]:
    """Both tables as they are."""
    sums = lambda r: (r.count, r.amount_fen, r.recognised_fen)  # noqa: E731
    cells = {
        (r.month, r.contract_type, r.field, r.seller_region, r.seller_kind, r.buyer_region): sums(r)
        for r in db.session.scalars(select(ContractMonthlyTotal))
    }
    parties = {
        (r.role, r.month, r.party_id): sums(r) for r in db.session.scalars(select(ContractPartyMonthlyTotal))
    }
    return cells, parties


def assert_rollup_exact(db) -> None:
    db.session.expire_all()
    assert stored(db) == from_scratch(db)


@pytest.fixture
def people(make_user, make_org):
    admin = make_user("admin")
    uni = make_org(kind="university", region="沣东")
    inst = make_org(kind="institute", region="秦汉")
    firm = make_org(kind="enterprise", region="空港")
    brokers = make_user("broker"), make_user("broker")
    return admin, uni, inst, firm, brokers


def test_registration_return_and_every_correction_keep_the_rollup_exact(db, people):
    admin, uni, inst, firm, (broker, other_broker) = people
    assert_rollup_exact(db)
    first = write(admin, uni, firm, amount_fen=150_000_001, recognised_fen=99_999_999, signed_on="2026-03-15")
    assert stored(db)[0] == {
        (date(2026, 3, 1), "transfer", "新材料", "沣东", "university", "in"): (1, 150_000_001, 99_999_999)
    }
    second = write(admin, inst, firm, amount_fen=7, recognised_fen=3, signed_on="2026-03-31")
    pending = write(admin, firm, uni, "submitted", 555, signed_on="2025-12-31")
    returned = write(admin, uni, inst, "returned", 777, signed_on="2026-01-01")
    write(admin, uni, inst, "draft", 999, signed_on="2026-01-02")
    assert_rollup_exact(db)
    assert (
        sum(v[1] for v in stored(db)[0].values()) == 150_000_008
    )  # drafts, submitted, returned: not counted

    contracts.register_contract(admin, pending.id, {"recognised_amount": "5.55"})
    contracts.submit_contract(admin, returned.id)
    contracts.register_contract(admin, returned.id, {"recognised_amount": "0"})
    assert_rollup_exact(db)

    corrections = [
        (first.id, {"amount": "1500000.03", "recognised_amount": "1.01"}),
        (first.id, {"field": "人工智能"}),
        (first.id, {"contract_type": "development", "subtype": ""}),
        (first.id, {"seller_org_id": inst.id}),  # a new snapshot of region and kind
        (first.id, {"buyer_province": "北京市"}),
        (first.id, {"signed_on": "2025-02-28"}),  # into another month and year
        (first.id, {"broker_id": broker.id}),
        (first.id, {"broker_id": other_broker.id, "buyer_org_id": uni.id, "amount": "2000000"}),
        (second.id, {"signed_on": "2026-03-15", "field": "新材料"}),  # into first's old cell, now empty
        (pending.id, {"buyer_province": "陕西省", "signed_on": "2026-03-01"}),
    ]
    for contract_id, values in corrections:
        contracts.correct_contract(admin, contract_id, values, "核对更正")
        assert_rollup_exact(db)
    assert all(count > 0 for count, _, _ in stored(db)[0].values())  # emptied cells leave no row
    assert all(count > 0 for count, _, _ in stored(db)[1].values())


def test_a_rolled_back_change_leaves_the_rollup_as_it_was(db, people):
    admin, uni, _inst, firm, _brokers = people
    contract = write(admin, uni, firm, amount_fen=1_000)
    before = stored(db)
    savepoint = db.session.begin_nested()
    contract.amount_fen = 2_001
    contract.signed_on = date(2024, 7, 9)
    db.session.flush()
    assert stored(db) != before  # moved in the same transaction as the contract
    savepoint.rollback()
    assert stored(db) == before
    assert_rollup_exact(db)


def test_a_contract_written_or_deleted_directly_through_the_orm_is_counted(db, people):
    admin, uni, _inst, firm, _brokers = people
    row = Contract(
        number="X-1",
        title="直接写入",
        contract_type="service",
        seller_org_id=uni.id,
        buyer_org_id=firm.id,
        amount_fen=1_234,
        recognised_fen=1_000,
        payment_mode="lump_sum",
        signed_on=date(2026, 5, 5),
        field="光子",
        seller_region="沣东",
        seller_kind="university",
        buyer_province="境外",
        status="registered",
    )
    db.session.add(row)
    db.session.flush()
    assert_rollup_exact(db)
    db.session.expire(row)  # a change to values not loaded yet still leaves its old cell
    row.amount_fen = 4_321
    db.session.flush()
    assert_rollup_exact(db)
    db.session.delete(row)
    db.session.flush()
    assert_rollup_exact(db)
    assert stored(db) == ({}, {})


def test_rebuild_recomputes_both_tables_from_the_contracts(app, db, people):
    admin, uni, inst, firm, (broker, _) = people
    write(admin, uni, firm, amount_fen=101, signed_on="2024-02-29", broker_id=broker.id)
    write(admin, inst, firm, amount_fen=202, signed_on="2026-11-30", buyer_province="广东省")
    write(admin, inst, uni, "submitted", 303)
    expected = stored(db)
    # rows written around the ORM (an import, a restore of an old dump) and a damaged cell
    db.session.execute(text("UPDATE contracts SET amount_fen = amount_fen + 1000 WHERE amount_fen = 101"))
    db.session.execute(text("UPDATE contract_monthly_totals SET count = 9"))
    db.session.execute(text("DELETE FROM contract_party_monthly_totals WHERE role = 'buyer'"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["market", "rebuild-contract-rollup"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1:4] == ["  2024年：1 份已登记合同", "  2025年：0 份已登记合同", "  2026年：1 份已登记合同"]
    assert "已重建：2 份已登记合同" in lines[-1] and "2 个分类汇总行，5 个当事方汇总行" in lines[-1]
    assert_rollup_exact(db)
    cells, _ = stored(db)
    assert cells != expected[0] and sum(v[1] for v in cells.values()) == 1_101 + 202


def test_rebuild_of_an_empty_register(db):
    assert contract_rollup.rebuild() == {"contracts": 0, "amount_fen": 0, "cells": 0, "party_cells": 0}


# ---- the statistics read from the rollup give what the contracts give --------------------------------------

PERIODS = [
    Period(date(2026, 1, 1), date(2026, 12, 31)),  # whole months: the rollup alone
    Period(date(2025, 4, 1), date(2025, 6, 30)),
    Period(date(2024, 2, 1), date(2024, 2, 29)),
    Period(date(2024, 1, 1), date(2026, 11, 30)),
    Period(date(2024, 7, 15), date(2025, 9, 30)),  # days before the first whole month
    Period(date(2025, 1, 1), date(2026, 1, 20)),  # days after the last
    Period(date(2024, 3, 2), date(2026, 10, 30)),  # both
    Period(date(2025, 5, 3), date(2025, 5, 27)),  # no whole month: the contracts alone
    Period(date(2025, 5, 31), date(2025, 6, 1)),
    Period(date(2026, 12, 1), date(2026, 12, 1)),
]


def rows_of(rows) -> list[tuple]:
    return [(r.key, r.label, r.count, r.amount_fen, r.recognised_fen, r.share) for r in rows]


def test_every_figure_is_the_same_from_the_rollup_and_from_the_contracts(db, random_register):  # noqa: F811
    assert_rollup_exact(db)
    for period in PERIODS + [period_from({"period": "quarter", "year": "2025", "quarter": "3"}, TODAY)]:
        fast, slow = stats.overview(period), stats.overview(period, rollup=False)
        assert (fast.totals, fast.previous, fast.yoy) == (slow.totals, slow.previous, slow.yoy), period
        for group_by in stats.GROUPS:
            assert rows_of(fast.breakdowns[group_by]) == rows_of(slow.breakdowns[group_by]), (
                period,
                group_by,
            )
            for limit in (None, 1, 3):
                fast_report = stats.report(period, group_by, limit)
                slow_report = stats.report(period, group_by, limit, rollup=False)
                assert fast_report.totals == slow_report.totals
                assert rows_of(fast_report.breakdowns[group_by]) == rows_of(slow_report.breakdowns[group_by])
    whole = stats.overview(Period(date(2024, 1, 1), date(2026, 12, 31)))
    assert whole.totals.count == sum(1 for r in random_register if r["status"] == "registered")


def test_months_and_edges_are_read_where_they_belong(db, people):
    """A figure made of whole months comes from the rollup: a contract the rollup does not know (written
    around the ORM) shows only when its days are read from the contracts."""
    admin, uni, _inst, firm, _brokers = people
    write(admin, uni, firm, amount_fen=500, signed_on="2025-06-10")
    db.session.execute(text("UPDATE contract_monthly_totals SET amount_fen = amount_fen + 1"))
    year = stats.totals(Period(date(2025, 1, 1), date(2025, 12, 31)))
    assert year.amount_fen == 501  # the rollup, as it stands
    assert stats.totals(Period(date(2025, 1, 1), date(2025, 12, 31)), rollup=False).amount_fen == 500
    assert stats.totals(Period(date(2025, 6, 2), date(2025, 6, 29))).amount_fen == 500  # days: contracts
    mixed = stats.breakdown(Period(date(2025, 5, 15), date(2025, 6, 30)), "month")
    assert [(r.key, r.amount_fen) for r in mixed] == [("2025-06", 501)]


@pytest.mark.slow  # a second connection and a thread race for the contract
def test_a_correction_waiting_for_another_writer_counts_what_that_writer_left(
    app, backend, database_urls, db, people
):
    """Two writers change one registered contract at once: the second reads the contract's old values only
    after the first has committed, so its old cell is not emptied twice."""
    import threading

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from market.models import User

    admin, uni, _inst, firm, _brokers = people
    contract = write(admin, uni, firm, amount_fen=1_000, recognised_fen=900, signed_on="2026-03-15")
    engine = create_engine(database_urls[backend])
    outcome = {}

    def correct():
        with app.app_context():  # a context of its own: its own session and connection
            try:
                contracts.correct_contract(
                    db.session.get(User, admin.id), contract.id, {"field": "人工智能"}, "领域填错"
                )
                outcome["result"] = "corrected"
            except Exception as exc:  # noqa: BLE001 (reported below)
                outcome["result"] = repr(exc)
            finally:
                db.session.remove()

    try:
        with Session(engine) as other:  # another writer through the ORM: it moves the rollup too
            other.get(Contract, contract.id).amount_fen = 2_500
            other.flush()
            worker = threading.Thread(target=correct)
            worker.start()
            worker.join(timeout=1.5)
            assert worker.is_alive()  # waiting for the other writer
            other.commit()
        worker.join(timeout=30)
    finally:
        engine.dispose()
    assert outcome["result"] == "corrected"
    assert_rollup_exact(db)
    assert stored(db)[0] == {
        (date(2026, 3, 1), "transfer", "人工智能", "沣东", "university", "in"): (1, 2_500, 900)
    }
