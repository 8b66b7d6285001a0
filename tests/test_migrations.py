"""Migrations build the schema from nothing, match the models, and go back down cleanly."""

import itertools

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
