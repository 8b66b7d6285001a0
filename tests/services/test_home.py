"""The home page's figures (services/home): what they count, in Beijing time, and the one-minute cache."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.engine import Engine

from market.clock import today_in_beijing
from market.services import home, kpis


def _statements(run) -> int:
    """How many SQL statements run() sends."""
    sent = []

    def count(*_args):
        sent.append(1)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return len(sent)


def test_this_years_amount_is_the_kpis_registered_contracts_of_the_beijing_year(
    make_contract, make_user, default_kpis
):
    today = today_in_beijing()
    make_contract(status="registered", signed_on=date(today.year, 1, 20).isoformat(), amount="1500000.00")
    make_contract(
        status="registered", signed_on=date(today.year, today.month, 1).isoformat(), amount="250000.50"
    )
    make_contract(status="submitted", signed_on=date(today.year, 1, 21).isoformat(), amount="900000")
    make_contract(status="registered", signed_on=date(today.year - 1, 12, 31).isoformat(), amount="700000")

    year = home.home_figures(today).contracts

    assert (year.year, year.count, year.amount_fen) == (today.year, 2, 175000050)
    # exactly what the KPI table computes for 技术合同交易额 (亿元)
    assert Decimal(year.amount_fen) / kpis.YI_FEN == kpis.metric_value(
        "contract_amount", date(today.year, 1, 1), today
    )
    assert [m.key for m in year.months] == [f"{today.year}-{n:02d}" for n in range(1, today.month + 1)]
    by_month = {m.key: m.amount_fen for m in year.months}
    assert by_month[f"{today.year}-01"] == 150000000
    assert by_month[f"{today.year}-{today.month:02d}"] == 25000050 + (150000000 if today.month == 1 else 0)


def test_the_target_is_the_plans_annual_target_for_this_year(default_kpis, make_contract):
    today = date(2026, 12, 7)
    make_contract(status="registered", signed_on="2026-03-15", amount="100000000")  # 1亿元
    year = home.contract_year(today)
    assert year.target_name == "技术合同交易额（2026年，年度口径）"
    assert year.target_fen == 500 * kpis.YI_FEN
    assert year.progress == 1 / 500
    assert year.on_track is False and 0.9 < year.elapsed < 1
    # 2025's table has its own annual target; a year no plan covers has none
    assert home.contract_year(date(2025, 6, 1)).target_fen == 230 * kpis.YI_FEN
    assert home.contract_year(date(2030, 6, 1)).target_fen is None


def test_listing_counts_are_live_ones_and_new_means_published_this_beijing_month(db, make_user, make_listing):
    today = today_in_beijing()
    uni, ent = make_user("university"), make_user("enterprise")
    fresh = make_listing("achievement", uni, title="本月成果")
    old = make_listing("achievement", uni, title="上月成果")
    make_listing("achievement", uni, submit=False, title="草稿")
    make_listing("demand", ent)
    make_listing("equipment", uni)
    month_start_utc = datetime(today.year, today.month, 1, tzinfo=timezone.utc) - timedelta(hours=8)
    old.published_at = month_start_utc - timedelta(minutes=1)  # 23:59 on the last day of last month, Beijing
    fresh.published_at = month_start_utc  # 00:00 on the 1st, Beijing (still last month in UTC)
    db.session.commit()
    broker = make_user("broker")
    from market.models import BrokerProfile

    db.session.add(BrokerProfile(user_id=broker.id))
    db.session.commit()

    figures = home.home_figures(today)

    assert figures.live == {"achievement": 2, "demand": 1, "equipment": 1}
    assert figures.new_this_month == {"achievement": 1, "demand": 1}
    assert figures.brokers == 1


def test_fields_count_live_listings_of_each_kind(make_user, make_listing):
    uni, ent = make_user("university"), make_user("enterprise")
    make_listing("achievement", uni, field="人工智能")
    make_listing("achievement", uni, field="人工智能")
    make_listing("demand", ent, field="人工智能")
    make_listing("demand", ent, field="新材料", submit=False)

    fields = {f.name: f for f in home.home_figures().fields}

    assert (fields["人工智能"].achievements, fields["人工智能"].demands) == (2, 1)
    assert fields["新材料"].total == 0  # a draft is not counted, the field is still offered


def test_open_calls_are_the_newest_live_ones_with_reward_and_deadline(make_user, make_listing):
    ent = make_user("enterprise")
    deadline = (today_in_beijing() + timedelta(days=60)).isoformat()
    make_listing("demand", ent, title="普通需求")
    first = make_listing(
        "demand", ent, title="揭榜一", open_call=True, reward_yuan="2000000", deadline=deadline
    )
    second = make_listing("demand", ent, title="揭榜二", open_call=True, reward_yuan="500000")

    calls = home.home_figures().open_calls

    assert [c.id for c in calls] == [second.id, first.id]
    assert (calls[1].reward_fen, calls[1].deadline) == (200000000, date.fromisoformat(deadline))
    assert calls[0].organisation.name == ent.organisation.name


def test_featured_results_are_verified_organisations_newest_one_each(make_user, make_listing, make_org):
    busy = make_user("university")
    other = make_user("university")
    unverified = make_user("university", org=make_org(verification_state="pending"))
    make_listing("achievement", busy, title="较早成果")
    make_listing("achievement", other, title="他校成果")
    newest = make_listing("achievement", busy, title="最新成果")
    from market.services import listings

    pending = make_listing("achievement", unverified, title="未认证成果")
    listings.change_status(make_user("admin"), "achievement", pending.id, "approve")

    featured = [r.title for r in home.home_figures().featured]

    assert featured == [newest.title, "他校成果"]


def test_figures_are_cached_for_a_minute_then_computed_again(make_user, make_listing, monkeypatch):
    uni = make_user("university")
    make_listing("achievement", uni)
    first = home.home_figures()
    assert _statements(home.home_figures) == 0  # warm: no query at all
    make_listing("achievement", uni, title="又一项成果")
    assert home.home_figures() is first and first.live["achievement"] == 1

    later = home.time.monotonic() + home.FIGURES_TTL_SECONDS + 1
    monkeypatch.setattr(home.time, "monotonic", lambda: later)
    assert home.home_figures().live["achievement"] == 2


def test_a_cold_aggregate_takes_a_handful_of_statements(make_user, make_listing, default_kpis):
    make_listing("achievement", make_user("university"))
    assert _statements(home.home_figures) <= 10
