"""Migrations build the schema from nothing, match the models, and go back down cleanly."""

import itertools
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from market import create_app
from market.extensions import db
from market.models.base import Base
from tests.conftest import BACKENDS

_names = itertools.count(1)


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"fresh_{next(_names)}")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_on_empty_database_matches_models(empty_app):
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert differences == []


def test_upgrade_seeds_the_default_field_taxonomy(empty_app):
    upgrade()
    names = [row[0] for row in db.session.execute(text("SELECT name FROM fields ORDER BY position"))]
    assert names[:3] == ["人工智能", "光子", "氢能"] and names[-1] == "其他" and len(names) == 12


def test_downgrade_to_base_removes_every_table(empty_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_jobs_queued_before_the_services_split_still_name_a_handler(empty_app):
    """A job queued by the old single-module services is run by the handler's new home after the upgrade."""
    from market import events

    upgrade(revision="7e1f0c2a9b4d")
    db.session.execute(
        text(
            "INSERT INTO event_jobs (event, handler, payload, status, attempts, run_after, created_at) "
            "VALUES ('deal.opened', 'market.services.deals:notify_deal_people', '{}', 'pending', 0, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )
    db.session.commit()
    upgrade()
    [name] = db.session.execute(text("SELECT handler FROM event_jobs")).scalars()
    assert name == "market.services.deals.activity:notify_deal_people" and events.handler(name) is not None
    downgrade(revision="7e1f0c2a9b4d")
    assert (
        db.session.execute(text("SELECT handler FROM event_jobs")).scalar()
        == "market.services.deals:notify_deal_people"
    )


def test_the_rollup_migration_fills_the_monthly_totals_from_the_contracts_already_registered(empty_app):
    """Upgrading a register that already holds contracts: the dashboard's monthly totals are right at once."""
    from sqlalchemy import insert, select

    from market.models import Contract, Organisation, User
    from tests.services.test_contract_rollup import from_scratch, stored

    upgrade(revision="3c9d2e7f1a60")
    for n, (kind, region) in enumerate((("university", "沣东"), ("enterprise", "空港"))):
        db.session.add(Organisation(kind=kind, name=f"单位{n}", region=region, verification_state="verified"))
    db.session.add(User(email="b@x.cn", password_hash="x", display_name="经纪人", role="broker"))
    db.session.flush()
    seller, buyer = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    broker = db.session.scalar(select(User.id))

    def contract(n, kind, amount, recognised, signed, province="陕西省", status="registered", broker_id=None):
        return dict(
            number=str(n),
            title="合同",
            contract_type=kind,
            amount_fen=amount,
            recognised_fen=recognised,
            signed_on=signed,
            buyer_province=province,
            status=status,
            broker_id=broker_id,
            payment_mode="lump_sum",
            seller_org_id=seller,
            buyer_org_id=buyer,
            field="光子",
            seller_region="沣东",
            seller_kind="university",
            note="",
        )

    db.session.execute(  # as the contracts stood before: written around the ORM, which now keeps the rollup
        insert(Contract.__table__),
        [
            contract(1, "service", 1_001, 7, date(2025, 1, 31), broker_id=broker),
            contract(2, "service", 2_002, None, date(2025, 1, 1)),
            contract(3, "development", 30_000_000_003, 3, date(2024, 12, 31), province="境外"),
            contract(4, "service", 9, None, date(2025, 1, 15), status="submitted", broker_id=broker),
        ],
    )
    db.session.commit()
    upgrade()
    cells, parties = stored(db)
    assert (cells, parties) == from_scratch(db)
    assert cells[(date(2025, 1, 1), "service", "光子", "沣东", "university", "in")] == (2, 3_003, 7)
    assert cells[(date(2024, 12, 1), "development", "光子", "沣东", "university", "out")] == (
        1,
        30_000_000_003,
        3,
    )
    assert parties[("broker", date(2025, 1, 1), broker)] == (1, 1_001, 7)
    assert len(cells) == 2 and len(parties) == 5
    db.session.rollback()  # the tables are dropped next: no read of them may stay open
    downgrade(revision="3c9d2e7f1a60")
    assert "contract_monthly_totals" not in inspect(db.engine).get_table_names()


def test_the_challenge_projects_target_is_measured_by_projects_after_the_upgrade_and_only_the_seeded_row(
    empty_app,
):
    """A database seeded before the fix measured ≥30 projects a year by the calls published; the upgrade
    moves that row alone to the projects started, and the downgrade moves it back."""
    name = "揭榜挂帅/赛马制项目（每年）"

    def metrics() -> dict:
        rows = db.session.execute(
            text("SELECT target_value, metric FROM kpis WHERE name = :name ORDER BY target_value"),
            {"name": name},
        )
        return dict(rows.all())

    upgrade(revision="5b7d3e9c1f20")
    db.session.execute(  # as the contracts migration seeded it then
        text("UPDATE kpis SET metric = 'open_calls' WHERE name = :name"), {"name": name}
    )
    db.session.execute(  # an admin's own row of the same name, with a target of its own: not the seeded one
        text(
            "INSERT INTO kpis (name, unit, target_value, target_year, start_year, period_kind, source,"
            " metric, sort_order, created_at, updated_at) VALUES (:name, '项', '40', 2026, 2024, 'annual',"
            " '管理员', 'open_calls', 999, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"name": name},
    )
    db.session.commit()
    upgrade()
    assert metrics() == {"30": "challenge_projects", "40": "open_calls"}
    downgrade(revision="5b7d3e9c1f20")
    assert metrics() == {"30": "open_calls", "40": "open_calls"}
