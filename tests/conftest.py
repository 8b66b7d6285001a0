"""Fixtures: every database test runs on SQLite and on a real PostgreSQL started here."""

import itertools
import os
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from market import create_app, search
from market.extensions import db as _db
from market.models import Organisation, User
from market.models.base import Base
from market.security import limiter
from market.services.codes import credit_code_with_check
from market.services.taxonomy import ensure_default_fields
from tests.challenge_fixtures import make_application, make_challenge  # noqa: F401 (fixtures)
from tests.challenge_review_fixtures import declared_world, review_world  # noqa: F401 (fixtures)
from tests.challenge_support import publish_call  # noqa: F401 (fixture)
from tests.pg_server import PostgresServer

ROOT = Path(__file__).resolve().parents[1]

BACKENDS = [b for b in os.environ.get("MARKET_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
PASSWORD = "Passw0rd!"
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_urls(request, tmp_path_factory):
    """One schema per backend for the whole session, holding the baseline every test starts from."""
    urls = {}
    if "sqlite" in BACKENDS:
        urls["sqlite"] = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "test.db")
    if "postgresql" in BACKENDS:
        urls["postgresql"] = request.getfixturevalue("pg_server").create_database("market_test")
    for url in urls.values():
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
        with app.app_context():
            Base.metadata.create_all(_db.engine)
            _restore_baseline()
            _db.engine.dispose()
    return urls


def _empty_tables() -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(text(f"DELETE FROM {table}"))
        # AUTOINCREMENT tables keep counting otherwise; a test then starts with a gap in the outbox
        _db.session.execute(text("DELETE FROM sqlite_sequence"))
    _db.session.commit()


def _restore_baseline() -> None:
    """Empty tables but the default fields, numbered from 1: what every test starts from."""
    _empty_tables()
    ensure_default_fields()
    _db.session.commit()


def _test_config(url: str, instance_path: str) -> dict:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": instance_path,
        "SEARCH_BACKEND": "memory",
        "INLINE_WORKER": True,  # the worker's pass runs right after each commit;
        # tests of the worker turn it off
    }


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def shared_apps(database_urls, tmp_path_factory):
    """One app per backend for this pytest process, lent to every test that is not marked slow."""
    apps = {}
    for backend, url in database_urls.items():
        app = create_app(_test_config(url, str(tmp_path_factory.mktemp("unused-instance"))))
        if backend == "sqlite":
            with app.app_context():
                _begin_explicitly(_db.engine)
        apps[backend] = app
    # Only a session bound to a test's connection joins a transaction: sessions on an engine are unaffected.
    _db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    event.listen(Engine, "commit", _refuse_commits_to_the_shared_database)
    yield apps
    event.remove(Engine, "commit", _refuse_commits_to_the_shared_database)
    for app in apps.values():
        with app.app_context():
            _db.engine.dispose()


def _begin_explicitly(engine) -> None:
    """pysqlite starts a transaction only before a write, so a SAVEPOINT would open (and its RELEASE commit)
    the real one; SQLAlchemy's recipe: the driver stays out of it and BEGIN is sent when the transaction
    begins."""

    @event.listens_for(engine, "connect")
    def _driver_leaves_transactions_alone(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


class _RolledBackTest:
    """What a test that rolls back must not do: commit to the shared database (which the harness checks)."""

    url = None
    commits = 0


def _refuse_commits_to_the_shared_database(connection) -> None:
    if _RolledBackTest.url is not None and connection.engine.url == _RolledBackTest.url:
        _RolledBackTest.commits += 1


@pytest.fixture
def app(request, backend, database_urls, tmp_path):
    """The app of a test, in an app context. A test runs inside a transaction rolled back at its end (the
    services' commits release a savepoint); a test marked slow gets an app of its own that really commits
    (other connections, threads and processes see its rows) and leaves the baseline behind by emptying the
    tables."""
    instance_path = str(tmp_path / "instance")
    if request.node.get_closest_marker("slow"):
        yield from _committing_app(database_urls[backend], instance_path)
    else:
        yield from _rolled_back_app(request.getfixturevalue("shared_apps")[backend], instance_path)


def _committing_app(url: str, instance_path: str):
    app = create_app(_test_config(url, instance_path))
    with app.app_context():
        _restore_baseline()
        yield app
        _db.session.remove()
        _restore_baseline()
        _db.session.remove()
        _db.engine.dispose()


def _rolled_back_app(app, instance_path: str):
    config, extensions, shared_instance_path = dict(app.config), dict(app.extensions), app.instance_path
    app.instance_path = app.config["INSTANCE_PATH"] = instance_path
    search.init_app(app)  # an empty index of its own, cursor 0
    limiter.reset()
    try:
        with app.app_context():
            yield from _in_a_rolled_back_transaction(app)
    finally:
        app.instance_path = shared_instance_path
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)
    if _RolledBackTest.commits:
        with app.app_context():  # the tests after it start from the baseline all the same
            _restore_baseline()
        pytest.fail(
            "this test committed to the shared test database outside its transaction (a second app, a "
            "thread or another connection): mark it slow",
            pytrace=False,
        )


def _in_a_rolled_back_transaction(app):
    engines = _db.engines
    connection = engines[None].connect()
    transaction = connection.begin()
    if connection.dialect.name == "postgresql":
        # Sequences ignore rollbacks: the outbox numbers from 1 again, so the fresh index sees no gap below
        # the test's first row (on SQLite, sqlite_sequence rolls back with the rest).
        connection.execute(text("TRUNCATE search_outbox RESTART IDENTITY"))
    # Every session of the app, and every `Session(db.engine)`, works in this test's transaction.
    _db._app_engines[app] = {None: connection}
    _RolledBackTest.url, _RolledBackTest.commits = connection.engine.url, 0
    try:
        yield app
    finally:
        _RolledBackTest.url = None
        _db.session.remove()
        _db._app_engines[app] = engines
        transaction.rollback()
        connection.close()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture(autouse=True)
def _fresh_home_figures():
    """The home page's figures are cached per process for a minute (services/home): each test starts without
    them, or it would read the figures of an earlier test's rolled-back rows."""
    from market.services import home

    home.forget_home_figures()
    yield
    home.forget_home_figures()


@pytest.fixture
def worker_off(app):
    """As in production: requests only write; nothing derived happens until the test runs the worker's
    steps."""
    app.config["INLINE_WORKER"] = False
    yield
    app.config["INLINE_WORKER"] = True


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_org(app):
    def make(**overrides) -> Organisation:
        n = next(_counter)
        values = {
            "kind": "university",
            "name": f"测试单位{n}",
            "region": "沣东",
            "verification_state": "verified",
            "credit_code": credit_code_with_check(f"91610000MA{n:07d}"),
        }
        values.update(overrides)
        org = Organisation(**values)
        _db.session.add(org)
        _db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app, make_org):
    from werkzeug.security import generate_password_hash

    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

    def make(role="university", org=None, verified=True, **overrides) -> User:
        n = next(_counter)
        if org is None and role != "admin":
            kind = {
                "university": "university",
                "enterprise": "enterprise",
                "broker": "intermediary",
                "viewer": "government",
            }[role]
            org = make_org(kind=kind, verification_state="verified" if verified else "pending")
        if org is None:
            org = make_org(kind="government", name=f"平台运营{n}")
        values = {
            "email": f"user{n}@example.cn",
            "password_hash": hashed,
            "display_name": f"用户{n}",
            "role": role,
            "organisation": org,
        }
        values.update(overrides)
        user = User(**values)
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """Sign a user in through the real login form."""

    def do(user, password=PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do


@pytest.fixture
def api_token(client):
    """A bearer token obtained through POST /api/v1/tokens."""

    def get(user, password=PASSWORD):
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": password})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return get


ACHIEVEMENT = {
    "title": "高镍三元正极材料表面包覆改性技术",
    "summary": "通过原子层沉积在高镍正极材料表面包覆氧化铝，提高循环寿命。",
    "field": "新材料",
    "keywords": ["正极材料", "锂电池"],
    "maturity": "中试",
    "form": "新技术",
    "transfer_modes": ["转让", "许可"],
    "patent_numbers": ["ZL202310123456.7"],
    "price_yuan": "1500000.00",
    "contact_name": "王老师",
    "contact_phone": "029-88888888",
}
DEMAND = {
    "title": "寻求锂电池正极材料循环寿命提升方案",
    "description": "我公司生产动力电池，循环寿命不足，寻求改性技术。",
    "field": "新材料",
    "budget_min_yuan": "500000",
    "budget_max_yuan": "2000000",
    "open_call": False,
    "contact_name": "李经理",
    "contact_phone": "13800000000",
}
EQUIPMENT = {
    "name": "场发射扫描电子显微镜",
    "model": "SU8010",
    "category": "分析测试",
    "location": "西咸新区沣东新城",
    "open_for_booking": True,
    "description": "可进行材料表面形貌观察。",
    "fee_items": [
        {"label": "形貌观察", "unit": "元/小时", "price_yuan": "300", "internal_price_yuan": "150"}
    ],
}


@pytest.fixture
def make_listing(app):
    """Create a listing through the service, as a user would."""
    from market.services.listings import create_listing

    defaults = {"achievement": ACHIEVEMENT, "demand": DEMAND, "equipment": EQUIPMENT}

    def make(kind, owner, submit=True, **overrides):
        return create_listing(owner, kind, {**defaults[kind], **overrides}, submit=submit)

    return make


CONTRACT = {
    "number": "HT-2026-001",
    "title": "高镍正极材料包覆技术转让合同",
    "contract_type": "transfer",
    "subtype": "patent",
    "amount": "1500000.00",
    "payment_mode": "instalments",
    "signed_on": "2026-03-15",
    "field": "新材料",
    "buyer_province": "陕西省",
}


@pytest.fixture
def make_contract(app, make_user):
    """A contract written through the service by a member of the seller; submitted and registered on
    request."""
    from market.services import contracts

    def make(seller=None, buyer=None, author=None, status="draft", recognised=None, **overrides):
        seller = seller or make_user("university").organisation
        buyer = buyer or make_user("enterprise").organisation
        author = (
            author
            or next((u for u in seller.members if u.role != "viewer"), None)
            or make_user("university", org=seller)
        )
        contract = contracts.create_contract(
            author, {**CONTRACT, "seller_org_id": seller.id, "buyer_org_id": buyer.id, **overrides}
        )
        if status in ("submitted", "registered", "returned"):
            contracts.submit_contract(author, contract.id)
        if status in ("registered", "returned"):
            admin = make_user("admin")
            if status == "registered":
                contracts.register_contract(
                    admin,
                    contract.id,
                    {"recognised_amount": recognised or overrides.get("amount", CONTRACT["amount"])},
                )
            else:
                contracts.return_contract(admin, contract.id, "请补充合同扫描件")
        return contract

    return make


def _migration_targets():
    import importlib.util

    path = next((ROOT / "migrations" / "versions").glob("*_contracts_*.py"))
    spec = importlib.util.spec_from_file_location("contracts_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TARGETS


@pytest.fixture
def default_kpis(app):
    """The KPI table as the contracts migration prefills it (tests empty every table)."""
    from market.models import Kpi

    names = (
        "name",
        "unit",
        "baseline_value",
        "baseline_year",
        "target_value",
        "target_year",
        "start_year",
        "period_kind",
        "source",
        "metric",
    )
    rows = [
        Kpi(**dict(zip(names, row)), sort_order=10 * n) for n, row in enumerate(_migration_targets(), start=1)
    ]
    _db.session.add_all(rows)
    _db.session.commit()
    return rows
