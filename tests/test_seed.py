"""The demo data loads through the services, makes every library non-empty and loads only once."""

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from market.models import Achievement, BrokerProfile, Demand, Equipment, Organisation, Policy, User
from market.models.vocab import DEFAULT_FIELDS, REGIONS
from market.services import accounts, listings, organisations, policies
from market.services.codes import credit_code_error, patent_number_error
from seed import ADMIN_EMAIL, DEMO_PASSWORD, load_demo_data
from seed.achievements import ACHIEVEMENTS
from seed.patents import zl
from seed.policies import POLICIES

DEMO_ACCOUNTS = {
    "admin@demo.qcy": "admin",
    "university@demo.qcy": "university",
    "enterprise@demo.qcy": "enterprise",
    "broker@demo.qcy": "broker",
}


@pytest.fixture
def fast_hashing(monkeypatch):
    """The default scrypt cost is right for real accounts but slow for a test that makes dozens."""
    monkeypatch.setattr(
        accounts,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )


def _row_counts(db) -> dict:
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Organisation, User, Achievement, Demand, Equipment, Policy)
    }


def test_seed_command_fills_every_library_and_runs_only_once(app, db, fast_hashing):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["market", "seed"])
    assert result.exit_code == 0, result.output
    assert "成果 " in result.output and "已写入演示数据" in result.output
    counts = _row_counts(db)

    again = runner.invoke(args=["market", "seed"])
    assert again.exit_code == 0, again.output
    assert "已存在" in again.output
    assert load_demo_data(progress=lambda text: None) == 0
    assert _row_counts(db) == counts


def test_seeded_database_looks_alive(app, db, fast_hashing):
    messages = []
    created = load_demo_data(progress=messages.append)
    assert created > 100
    assert any(m.startswith("成果 ") for m in messages)

    for kind in ("achievement", "demand", "equipment"):
        assert listings.list_public_listings(kind, {}).total >= 10, kind
    open_calls = listings.list_public_listings("demand", {"open_call": True}).items
    assert len(open_calls) >= 3
    assert all(d.reward_fen and d.deadline and d.deadline > listings.today() for d in open_calls)
    achievements = listings.list_public_listings("achievement", {}, per_page=100).items
    assert {a.field.name for a in achievements} == set(DEFAULT_FIELDS)
    assert any(a.price_fen is None for a in achievements) and any(a.price_fen for a in achievements)
    assert policies.list_policies({}).total == len(POLICIES)

    admin = accounts.authenticate(ADMIN_EMAIL, DEMO_PASSWORD)
    for email, role in DEMO_ACCOUNTS.items():
        user = accounts.authenticate(email, DEMO_PASSWORD)
        assert user.role == role and user.is_verified
    assert organisations.list_organisations(admin, "pending").total >= 1
    assert listings.pending_counts(admin)["demand"] >= 1

    orgs = list(db.session.scalars(select(Organisation)))
    assert {o.region for o in orgs} >= set(REGIONS) - {"其他"}
    assert all(o.credit_code and credit_code_error(o.credit_code) is None for o in orgs)
    brokers = list(db.session.scalars(select(BrokerProfile)))
    assert len(brokers) >= 3 and all(b.specialties and b.bio for b in brokers)
    assert {b.certification_level for b in brokers} == {"junior", "intermediate", "senior"}


def test_demo_patent_numbers_have_valid_formats_and_check_digits():
    numbers = [n for item in ACHIEVEMENTS for n in item["patent_numbers"]]
    assert numbers and all(patent_number_error(n) is None for n in numbers)
    assert zl("200410064245") == "ZL200410064245.7"  # weighted sum 139 ≡ 7 (mod 11)
    assert zl("202210736158") == "ZL202210736158.X"  # a remainder of 10 is written X
    with pytest.raises(ValueError):
        zl("2021104")
