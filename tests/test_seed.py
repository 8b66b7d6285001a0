"""The demo data loads through the services, makes every library non-empty and loads only once."""

import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from market import images
from market.clock import in_beijing
from market.models import (
    Achievement,
    AuditEntry,
    BrokerProfile,
    Contract,
    Deal,
    Demand,
    Equipment,
    Follow,
    ListingFile,
    Notification,
    Organisation,
    Policy,
    User,
)
from market.models.base import utcnow
from market.models.challenge_application import ChallengeApplication
from market.models.challenge_project import ProjectMilestone
from market.models.vocab import DEFAULT_FIELDS, REGIONS
from market.services import (
    accounts,
    challenges,
    follows,
    listings,
    notifications,
    organisations,
    policies,
    uploads,
)
from market.services.codes import credit_code_error, patent_number_error
from seed import ADMIN_EMAIL, DEMO_PASSWORD, load_demo_data, pictures
from seed.achievements import ACHIEVEMENTS
from seed.contracts import contract_links
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


def test_demo_data_never_goes_into_a_database_that_has_accounts(app, db, make_user, fast_hashing):
    make_user("enterprise", email="someone@real.cn")
    result = app.test_cli_runner().invoke(args=["market", "seed"])
    assert result.exit_code == 0, result.output
    assert "已有 1 个账号" in result.output and "未做修改" in result.output
    assert load_demo_data(progress=lambda text: None) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(Achievement)) == 0


@pytest.fixture
def seeded(app, db, fast_hashing):
    load_demo_data(progress=lambda text: None)
    return {u.email: u for u in db.session.scalars(select(User))}


def _beijing_days(moments) -> set:
    return {in_beijing(m).date() for m in moments}


def test_a_demo_account_opens_to_a_few_new_notifications_among_weeks_of_read_ones(db, seeded):
    now = utcnow()
    university = seeded["university@demo.qcy"]
    mine = notifications.list_notifications(university, per_page=100).items
    assert len(mine) >= 15
    created = [n.created_at for n in mine]
    assert max(created) <= now
    assert max(created) - min(created) > timedelta(
        days=365
    )  # the contracts of three years, the deals of weeks
    assert len(_beijing_days(created)) >= len(mine) * 2 // 3
    assert max(Counter(n.created_at.replace(microsecond=0) for n in mine).values()) <= 2
    unread = [n for n in mine if n.read_at is None]
    assert 1 <= notifications.unread_count(university) == len(unread) <= 5
    assert all(now - n.created_at < timedelta(days=3) for n in unread)
    assert all(n.created_at < n.read_at <= now for n in mine if n.read_at is not None)
    everyone = list(db.session.scalars(select(Notification)))
    assert sum(n.read_at is None for n in everyone) < len(everyone) / 10


def test_demo_listings_contracts_and_deals_carry_the_days_they_happened(db, seeded):
    now = utcnow()
    results = listings.list_public_listings("achievement", {}, per_page=100).items
    published = [a.published_at for a in results]
    assert len(_beijing_days(published)) >= len(results) * 3 // 4
    assert now - max(published) < timedelta(days=7) and now - min(published) > timedelta(days=90)
    # the first entries of the file were published most recently, except those that a contract of the past
    # years transfers: they were published before it was signed
    named_by_contracts = contract_links()
    newest = [a["title"] for a in ACHIEVEMENTS if a["title"] not in named_by_contracts and not a.get("then")]
    assert [a.title for a in results[:3]] == newest[:3]
    for listing in results:
        assert listing.organisation.created_at < listing.created_at <= listing.published_at <= now
    for kind in ("demand", "equipment"):
        items = listings.list_public_listings(kind, {}, per_page=100).items
        assert len(_beijing_days(i.published_at for i in items)) >= len(items) * 3 // 4, kind

    contracts = list(db.session.scalars(select(Contract)))
    for contract in contracts:
        assert in_beijing(contract.created_at).date() == contract.signed_on, contract.title
        if contract.registered_at:
            assert contract.created_at < contract.submitted_at < contract.registered_at <= now
        if contract.achievement_id:
            assert (
                db.session.get(Achievement, contract.achievement_id).published_at.date() < contract.signed_on
            )
    assert len(_beijing_days(c.registered_at for c in contracts if c.registered_at)) >= 40

    # the deals people opened, each on its day (a 揭榜挂帅 race opens its teams' deals in one decision)
    by_selection = select(ChallengeApplication.deal_id).where(ChallengeApplication.deal_id.is_not(None))
    deals = list(db.session.scalars(select(Deal).where(Deal.id.not_in(by_selection))))
    assert len(_beijing_days(d.created_at for d in deals)) == len(deals) >= 4
    assert all(d.created_at <= d.last_activity_at <= now for d in deals)
    assert any(now - d.last_activity_at > timedelta(days=14) for d in deals)  # one went quiet
    waiting = [o for o in db.session.scalars(select(Organisation)) if o.verification_state == "pending"]
    assert waiting and all(now - o.created_at < timedelta(days=7) for o in waiting)
    audit_seconds = Counter(
        e.created_at.replace(microsecond=0) for e in db.session.scalars(select(AuditEntry))
    )
    assert len(audit_seconds) > 200 and max(audit_seconds.values()) < 20


def test_demo_accounts_follow_organisations_and_fields_and_saved_listings(app, db, seeded, client, login):
    for email in [*DEMO_ACCOUNTS, "viewer@demo.qcy"]:  # the accounts the README lists
        counts = follows.following_counts(seeded[email])
        saved = counts["achievement"] + counts["demand"] + counts["equipment"]
        assert saved >= 1 and counts["field"] >= 1, (email, counts)
    for email in ("university@demo.qcy", "enterprise@demo.qcy", "broker@demo.qcy"):
        assert follows.following_counts(seeded[email])["organisation"] >= 1, email

    enterprise = login(seeded["enterprise@demo.qcy"], DEMO_PASSWORD)
    page = client.get("/my/following?tab=organisation")
    assert page.status_code == 200 and "西安交通大学" in page.get_data(as_text=True)
    saved = client.get("/my/following?tab=achievement").get_data(as_text=True)
    assert "高镍三元正极材料单晶化与表面包覆一体化制备技术" in saved
    # what the followed university published since reached the enterprise as 关注动态, each after the follow
    news = [
        n for n in notifications.list_notifications(enterprise, per_page=100).items if n.category == "follow"
    ]
    assert any("西安交通大学发布了新" in n.title for n in news)
    followed_at = {
        (f.target_kind, f.target_id): f.created_at
        for f in db.session.scalars(select(Follow).where(Follow.user_id == enterprise.id))
    }
    for n in news:
        target = (
            ("organisation", n.data["org_id"])
            if n.data["because"] == "organisation"
            else ("field", n.data["field_id"])
        )
        assert followed_at[target] <= n.created_at, n.title


def test_some_demo_listings_show_a_gallery_of_pictures_and_a_brochure(db, seeded, client):
    title = "高镍三元正极材料单晶化与表面包覆一体化制备技术"
    result = db.session.scalar(select(Achievement).where(Achievement.title == title))
    page = client.get(f"/achievements/{result.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="gallery"' in html and 'data-testid="documents"' in html
    assert "示意图（演示数据自动生成）" in html and "成果推介资料.pdf" in html
    thumbnails = re.findall(rf'src="(/achievements/{result.id}/files/\d+/thumbnail)"', html)
    assert len(thumbnails) == 2
    for url in thumbnails:
        with client.get(url) as served, Image.open(io.BytesIO(served.data)) as picture:
            assert served.status_code == 200 and served.mimetype == "image/jpeg"
            assert max(picture.size) <= 320
    (brochure,) = re.findall(rf'href="(/achievements/{result.id}/files/\d+)"[^>]*>[^<]*\.pdf', html)
    with client.get(brochure) as served:
        assert served.status_code == 200 and served.data.startswith(b"%PDF-")

    for kind, path in (("achievement", "achievements"), ("demand", "demands"), ("equipment", "equipment")):
        listing_page = client.get(f"/{path}").get_data(as_text=True)
        assert 'data-testid="listing-cover"' in listing_page, kind  # the cards show the cover
    pictured = db.session.scalar(
        select(func.count(func.distinct(ListingFile.listing_id))).where(ListingFile.file_kind == "image")
    )
    assert pictured >= 8


@pytest.mark.parametrize("chinese", [True, False])
def test_demo_pictures_and_brochures_are_drawn_with_or_without_a_chinese_font(chinese):
    title = "【揭榜挂帅】高镍正极材料高温循环性能提升技术攻关"
    for content in (
        pictures.cover_card("demand", title, "新材料", "某公司", "揭榜奖励 50万元", chinese=chinese),
        pictures.keyword_card(title, "新材料", ["正极材料", "高温循环"], chinese=chinese),
    ):
        picture = images.prepare(content)  # what an upload goes through
        assert (picture.width, picture.height) == pictures.CARD and picture.content_type == "image/jpeg"
    brochure = pictures.brochure_pdf(
        "demand", title, "某公司", "新材料", [("预算", "200万元")], "说明", chinese
    )
    assert uploads.is_pdf(brochure) and len(brochure) < 500_000


def test_the_challenge_list_shows_demo_calls_in_every_stage_of_their_lifecycle(db, seeded, client):
    """/challenges: a call taking applications, one under review, a 赛马制 race under way and an accepted one,
    each replayed through the services (applications, panel, scores, selection, milestones, payments)."""
    html = client.get("/challenges").get_data(as_text=True)
    statuses = re.findall(r'data-testid="call-status">([^<]+)<', html)
    assert sorted(statuses) == sorted(["征集中", "评审中", "攻关中", "已验收"])
    assert "赛马制（2 队）" in html
    racing = client.get("/challenges?status=running").get_data(as_text=True)
    assert "mRNA疫苗递送用可电离脂质国产化" in racing and "VOCs" not in racing

    teams = db.session.scalars(
        select(ChallengeApplication).where(ChallengeApplication.status.in_(("racing", "selected")))
    ).all()
    assert sorted(team.challenge.phase for team in teams) == ["accepted", "racing", "racing"]
    assert all(team.deal_id and team.contract_id for team in teams)  # each with its deal and contract draft
    paid = db.session.scalars(select(ProjectMilestone).where(ProjectMilestone.payments.any())).all()
    assert sorted(m.application.challenge.phase for m in paid) == ["accepted", "accepted", "racing"]
    # the demo broker sits on the panel of the call under review, still to declare conflicts and score
    (todo,) = challenges.review_todo(seeded["broker@demo.qcy"])
    assert (todo["stage"], todo["left"]) == ("declare", 3)
    assert challenges.public_status(todo["challenge"]) == "reviewing"
