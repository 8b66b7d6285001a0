"""The plans' targets: measured periods, computed and manual progress, and the admins' editing of the
table."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from market.clock import today_in_beijing
from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.models import Achievement, AuditEntry, Demand, User
from market.models.kpi import Kpi, KpiEntry
from market.services import contracts, kpis
from tests.conftest import CONTRACT

YI = 10**10  # fen in 1亿元

NEW_KPI = {
    "name": "技术交易额（西咸）",
    "unit": "亿元",
    "baseline_value": "12.5",
    "baseline_year": "2020",
    "target_value": "60",
    "target_year": "2026",
    "start_year": "2024",
    "period_kind": "annual",
    "source": "西咸新区“十四五”科技创新规划",
    "metric": "",
    "sort_order": "5",
}


def named(name: str) -> Kpi:
    return next(k for k in kpis.list_kpis() if k.name == name)


def progress_of(today: date, name: str) -> kpis.Progress:
    return next(p for p in kpis.kpi_progress(today) if p.kpi.name == name)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def audit_actions(db, kpi_id) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "kpi", AuditEntry.object_id == kpi_id)
            .order_by(AuditEntry.id)
        )
    )


# ---- measured periods ----------------------------------------------------------------------------------

ANNUAL = Kpi(name="年度", period_kind="annual", start_year=2024, target_year=2026)
CUMULATIVE = Kpi(name="累计", period_kind="cumulative", start_year=2024, target_year=2026)


@pytest.mark.parametrize(
    "kpi, today, start, end, elapsed",
    [
        (ANNUAL, date(2023, 6, 1), date(2024, 1, 1), date(2024, 12, 31), 0.0),
        (ANNUAL, date(2024, 1, 1), date(2024, 1, 1), date(2024, 12, 31), 1 / 366),
        (ANNUAL, date(2025, 7, 2), date(2025, 1, 1), date(2025, 12, 31), 183 / 365),
        (ANNUAL, date(2026, 12, 31), date(2026, 1, 1), date(2026, 12, 31), 1.0),
        (ANNUAL, date(2027, 3, 1), date(2026, 1, 1), date(2026, 12, 31), 1.0),
        (CUMULATIVE, date(2023, 12, 31), date(2024, 1, 1), date(2026, 12, 31), 0.0),
        (CUMULATIVE, date(2025, 1, 1), date(2024, 1, 1), date(2026, 12, 31), 367 / 1096),
        (CUMULATIVE, date(2026, 6, 30), date(2024, 1, 1), date(2026, 12, 31), (366 + 365 + 181) / 1096),
        (CUMULATIVE, date(2030, 1, 1), date(2024, 1, 1), date(2026, 12, 31), 1.0),
    ],
)
def test_measured_period(kpi, today, start, end, elapsed):
    got = kpis.measured_period(kpi, today)
    assert got[:2] == (start, end)
    assert got[2] == pytest.approx(elapsed)


# ---- computed progress ---------------------------------------------------------------------------------


@pytest.fixture
def registered(make_user, make_org):
    """Write and register a contract of `fen` signed on `day` (other statuses never count)."""
    admin = make_user("admin")
    seller, buyer = make_org(), make_org(kind="enterprise")

    def make(day: str, fen: int, status="registered"):
        contract = contracts.create_contract(
            admin,
            {
                **CONTRACT,
                "seller_org_id": seller.id,
                "buyer_org_id": buyer.id,
                "amount": yuan(fen),
                "signed_on": day,
            },
        )
        if status in ("submitted", "registered"):
            contracts.submit_contract(admin, contract.id)
        if status == "registered":
            contracts.register_contract(admin, contract.id, {"recognised_amount": "0"})
        return contract

    return make


def test_contract_amount_is_exact_in_yi_yuan(default_kpis, registered):
    registered("2023-12-31", 7 * YI)
    registered("2024-05-01", 101 * YI + 1)
    registered("2025-07-01", 23_000_000_000_001)
    registered("2026-03-15", 12_345_678_901_234)
    registered("2026-08-01", 3 * YI)
    registered("2026-02-01", 50 * YI, status="submitted")
    registered("2026-02-02", 60 * YI, status="draft")

    mid_2026 = date(2026, 6, 30)
    annual = progress_of(mid_2026, "技术合同交易额（2026年，年度口径）")
    assert annual.actual == Decimal("1234.5678901234")
    assert (annual.start, annual.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert annual.elapsed == pytest.approx(181 / 365)
    assert annual.actual_text == "1234.57"
    assert annual.achieved == pytest.approx(1234.5678901234 / 500)
    assert annual.on_track is True and annual.entry is None

    past = progress_of(mid_2026, "技术合同交易额（2025年）")
    assert (past.actual, past.elapsed, past.start) == (Decimal("2300.0000000001"), 1.0, date(2025, 1, 1))

    cumulative = progress_of(mid_2026, "技术合同交易额（2024—2026年累计口径）")
    assert cumulative.actual == Decimal("101.0000000001") + Decimal("2300.0000000001") + Decimal(
        "1234.5678901234"
    )

    end_of_year = progress_of(date(2026, 12, 31), "技术合同交易额（2026年，年度口径）")
    assert end_of_year.actual == Decimal("1237.5678901234")
    before = progress_of(date(2023, 12, 31), "技术合同交易额（2024—2026年累计口径）")
    assert (before.actual, before.elapsed, before.actual_text) == (Decimal(0), 0.0, "0")


def test_a_whole_number_shows_without_decimals(default_kpis, registered):
    registered("2026-03-15", 250 * YI)
    annual = progress_of(date(2026, 6, 30), "技术合同交易额（2026年，年度口径）")
    assert (annual.actual, annual.actual_text, annual.achieved) == (Decimal(250), "250", 0.5)
    assert annual.on_track is True  # 50 % done after 181 of 365 days
    assert progress_of(date(2026, 12, 31), "技术合同交易额（2026年，年度口径）").on_track is False


def test_brokers_demands_open_calls_and_achievements_count_within_the_period(
    default_kpis, make_user, make_listing, db
):
    today = today_in_beijing()
    brokers = [make_user("broker") for _ in range(3)]
    make_user("university")  # not a broker
    old = datetime(2023, 12, 31, 15, 30, tzinfo=timezone.utc)  # 23:30 in Beijing: the year before the period
    db.session.execute(update(User).where(User.id == brokers[0].id).values(created_at=old))
    enterprise, university = make_user("enterprise"), make_user("university")
    make_listing("demand", enterprise)
    open_call = make_listing("demand", enterprise, open_call=True, title="揭榜挂帅：固态电池电解质")
    last_year = make_listing("demand", enterprise, open_call=True, title="去年的揭榜项目")
    make_listing("demand", enterprise, submit=False, title="尚未发布的需求")
    make_listing("achievement", university)
    pending = make_listing("achievement", make_user("university", verified=False))
    make_listing("achievement", university, submit=False, title="草稿成果")
    db.session.execute(
        update(Demand)
        .where(Demand.id == last_year.id)
        .values(published_at=datetime(today.year - 1, 6, 1, tzinfo=timezone.utc))
    )
    db.session.commit()
    assert pending.status == "pending" and open_call.open_call is True

    assert progress_of(today, "新增科技经纪人").actual == 2
    assert progress_of(today, "征集企业技术需求（每年）").actual == 2
    # the plan's ≥30 projects a year counts projects started: a call published is none yet
    assert progress_of(today, "揭榜挂帅/赛马制项目（每年）").actual == 0
    assert kpis.metric_value("open_calls", date(today.year, 1, 1), today) == 1
    assert progress_of(today, "发布科技成果（每年）").actual == 1
    assert db.session.scalar(select(func.count()).select_from(Achievement)) == 3
    # the year before, the demand published then counts in that year's period
    previous = progress_of(date(today.year - 1, 12, 31), "征集企业技术需求（每年）")
    assert previous.actual == 1 and previous.start == date(today.year - 1, 1, 1)
    assert kpis.metric_value("open_calls", previous.start, previous.end) == 1


def test_the_funnel_follows_the_deals_opened_in_the_period_each_step_part_of_the_one_before(
    make_user, make_listing, registered
):
    from market.services import deals

    owner, buyer = make_user("university"), make_user("enterprise")
    opened = [
        deals.open_deal(buyer, {"achievement_id": make_listing("achievement", owner).id})[0] for _ in range(3)
    ]
    deals.move_stage(owner, opened[0].id, "negotiation")
    deals.move_stage(
        owner, opened[0].id, "terminated", reason="price"
    )  # ended after 洽谈: still counts there
    deals.move_stage(owner, opened[1].id, "negotiation")
    deals.move_stage(owner, opened[1].id, "signing")
    today = today_in_beijing()
    registered(today.isoformat(), 100)  # registered without a deal on the platform
    result = kpis.funnel(today, today)
    assert result.steps == [("发起的对接", 3), ("进入洽谈", 2), ("进入签约", 1), ("成交并登记合同", 0)]
    assert result.contracts_registered == 1 and result.contracts_through_deals == 0
    assert kpis.funnel(today - timedelta(days=400), today - timedelta(days=300)).steps[0] == ("发起的对接", 0)


def test_the_funnel_counts_registered_contracts_of_the_period_beside_it(registered):
    registered("2026-03-15", 100)
    registered("2026-04-15", 100, status="submitted")
    registered("2025-04-15", 100)
    result = kpis.funnel(date(2026, 1, 1), date(2026, 12, 31))
    assert result.contracts_registered == 1 and result.accepted_matches == 0
    assert [count for _, count in result.steps] == [0, 0, 0, 0]


# ---- manual entries ------------------------------------------------------------------------------------


def test_annual_manual_kpi_takes_the_latest_entry_of_the_measured_year(default_kpis, make_user):
    admin = make_user("admin")
    kpi = named("高价值专利入池（每年）")
    kpis.add_kpi_entry(admin, kpi.id, {"value": "500", "as_of": "2025-12-31"})
    progress = progress_of(date(2026, 6, 30), kpi.name)
    assert (progress.actual, progress.entry, progress.actual_text, progress.on_track) == (
        None,
        None,
        "—",
        None,
    )
    kpis.add_kpi_entry(admin, kpi.id, {"value": "120", "as_of": "2026-03-01"})
    latest = kpis.add_kpi_entry(
        admin, kpi.id, {"value": "150.50", "as_of": "2026-06-01", "note": "知识产权局统计"}
    )
    kpis.add_kpi_entry(
        admin, kpi.id, {"value": "90", "as_of": "2026-04-01"}
    )  # entered later, refers to earlier
    progress = progress_of(date(2026, 6, 30), kpi.name)
    assert progress.actual == Decimal("150.5") and progress.entry.id == latest.id
    assert progress.entry.note == "知识产权局统计" and progress.entry.entered_by_id == admin.id
    assert progress.achieved == pytest.approx(150.5 / 200)
    # seen from 2025 the 2025 entry counts, seen from April 2026 only what was known then
    assert progress_of(date(2025, 12, 31), kpi.name).actual == Decimal(500)
    assert progress_of(date(2026, 3, 15), kpi.name).actual == Decimal(120)


def test_cumulative_manual_kpi_takes_the_latest_entry_at_all(default_kpis, make_user):
    admin = make_user("admin")
    kpi = named("技术转移示范机构")
    kpis.add_kpi_entry(admin, kpi.id, {"value": "3", "as_of": "2023-12-31"})
    assert progress_of(date(2024, 6, 1), kpi.name).actual == Decimal(3)
    kpis.add_kpi_entry(admin, kpi.id, {"value": "6", "as_of": "2025-05-01"})
    second = kpis.add_kpi_entry(admin, kpi.id, {"value": "7", "as_of": "2025-05-01"})
    progress = progress_of(date(2026, 6, 30), kpi.name)
    assert (progress.actual, progress.entry.id, progress.actual_text) == (Decimal(7), second.id, "7")
    assert progress.achieved == pytest.approx(0.7)


@pytest.mark.parametrize(
    "data, fields",
    [
        ({"value": "-1", "as_of": "2026-01-01"}, {"value": "填报值必须是不小于0的数字"}),
        ({"value": "abc", "as_of": "2026-01-01"}, {"value": "填报值必须是数字，例如 230 或 12.5"}),
        ({"value": "", "as_of": "2026-01-01"}, {"value": "请填写填报值"}),
        ({"value": "NaN", "as_of": "2026-01-01"}, {"value": "填报值必须是不小于0的数字"}),
        ({"value": "1.00001", "as_of": "2026-01-01"}, {"value": "填报值最多保留四位小数"}),
        ({"value": "2e12", "as_of": "2026-01-01"}, {"value": "填报值不能超过1万亿"}),
        ({"value": "3"}, {"as_of": "请填写数据日期"}),
        ({"value": "3", "as_of": "2026-02-30"}, {"as_of": "数据日期格式应为 年-月-日，例如 2026-12-31"}),
        (
            {"value": "x", "as_of": ""},
            {"as_of": "请填写数据日期", "value": "填报值必须是数字，例如 230 或 12.5"},
        ),
        (
            {"value": "3", "as_of": (today_in_beijing() + timedelta(days=1)).isoformat()},
            {"as_of": "数据日期不能晚于今天"},
        ),
    ],
)
def test_bad_entries_are_refused(data, fields, default_kpis, make_user, db):
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as exc:
        kpis.add_kpi_entry(admin, named("路演活动（每年）").id, data)
    assert exc.value.fields == fields
    assert db.session.scalar(select(func.count()).select_from(KpiEntry)) == 0


def test_entries_only_by_admins_and_only_for_manual_kpis(default_kpis, make_user, db):
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as exc:
        kpis.add_kpi_entry(admin, named("新增科技经纪人").id, {"value": "10", "as_of": "2026-01-01"})
    assert exc.value.fields == {"value": "该指标由平台数据自动计算，无需手工填报"}
    manual = named("路演活动（每年）")
    for actor in (make_user("university"), make_user("broker"), make_user("viewer"), None):
        with pytest.raises(PermissionDenied):
            kpis.add_kpi_entry(actor, manual.id, {"value": "10", "as_of": "2026-01-01"})
    assert db.session.scalar(select(func.count()).select_from(KpiEntry)) == 0
    with pytest.raises(NotFound):
        kpis.add_kpi_entry(admin, 999999, {"value": "10", "as_of": "2026-01-01"})
    entry = kpis.add_kpi_entry(admin, manual.id, {"value": "1,200.00", "as_of": "2026-01-01"})
    assert (entry.value, entry.as_of, entry.entered_by_id) == ("1200", date(2026, 1, 1), admin.id)
    logged = audit_actions(db, manual.id)[-1]
    assert (logged.action, logged.changes, logged.actor_id) == (
        "kpi.entry",
        {"value": "1200", "as_of": "2026-01-01"},
        admin.id,
    )


# ---- editing the table ---------------------------------------------------------------------------------


def test_admin_creates_a_kpi(make_user, db):
    admin = make_user("admin")
    kpi = kpis.create_kpi(admin, {**NEW_KPI, "period_kind": "年度"})
    row = db.session.get(Kpi, kpi.id)
    assert (
        row.name,
        row.baseline_value,
        row.baseline_year,
        row.target_value,
        row.period_kind,
        row.metric,
        row.sort_order,
    ) == ("技术交易额（西咸）", "12.5", 2020, "60", "annual", None, 5)
    logged = audit_actions(db, kpi.id)
    assert [(e.action, e.changes) for e in logged] == [
        ("kpi.create", {"name": "技术交易额（西咸）", "target": "60"})
    ]
    assert kpis.get_kpi(kpi.id).id == kpi.id
    for bad in (999999, "abc", None):
        with pytest.raises(NotFound):
            kpis.get_kpi(bad)


def test_kpi_validation(make_user, db):
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as exc:
        kpis.create_kpi(admin, {})
    assert set(exc.value.fields) == {
        "name",
        "unit",
        "target_year",
        "start_year",
        "period_kind",
        "source",
        "target_value",
    }
    assert exc.value.fields["target_value"] == "请填写目标值"
    cases = [
        ({"start_year": "2027"}, {"start_year": "考核起始年份不能晚于目标年份"}),
        ({"target_value": "abc"}, {"target_value": "目标值必须是数字，例如 230 或 12.5"}),
        ({"baseline_value": "-3"}, {"baseline_value": "基期值必须是不小于0的数字"}),
        ({"period_kind": "monthly"}, {"period_kind": "考核方式“monthly”无效，可选：annual、cumulative"}),
        ({"metric": "gdp"}, {"metric": "自动计算口径“gdp”无效，可选：" + "、".join(kpis.METRICS)}),
        ({"target_year": "3000"}, {"target_year": "目标年份应在1990到2100之间"}),
    ]
    for override, fields in cases:
        with pytest.raises(ValidationFailed) as exc:
            kpis.create_kpi(admin, {**NEW_KPI, **override})
        assert exc.value.fields == fields, override
    assert db.session.scalar(select(func.count()).select_from(Kpi)) == 0
    # a baseline is optional
    assert (
        kpis.create_kpi(admin, {**NEW_KPI, "baseline_value": "", "baseline_year": ""}).baseline_value is None
    )


def test_admin_updates_a_kpi_and_the_audit_keeps_the_old_values(default_kpis, make_user, db):
    admin = make_user("admin")
    kpi = named("路演活动（每年）")
    kpis.update_kpi(admin, kpi.id, {"target_value": "45", "source": "新的文件"})
    row = db.session.get(Kpi, kpi.id)
    assert (row.target_value, row.source, row.start_year) == ("45", "新的文件", 2024)
    changes = audit_actions(db, kpi.id)[-1].changes
    assert changes["target_value"] == ["30", "45"] and changes["source"][1] == "新的文件"
    kpis.update_kpi(admin, kpi.id, {"target_value": "45.0"})  # the same number: nothing to log
    assert len(audit_actions(db, kpi.id)) == 1

    with pytest.raises(ValidationFailed) as exc:
        kpis.update_kpi(admin, kpi.id, {"start_year": "2027"})
    assert exc.value.fields == {"start_year": "考核起始年份不能晚于目标年份"}
    with pytest.raises(ValidationFailed) as exc:
        kpis.update_kpi(admin, kpi.id, {"target_year": "2023"})
    assert exc.value.fields == {"start_year": "考核起始年份不能晚于目标年份"}
    with pytest.raises(ValidationFailed):
        kpis.update_kpi(admin, kpi.id, {"name": ""})
    for actor in (make_user("university"), make_user("viewer"), None):
        with pytest.raises(PermissionDenied):
            kpis.update_kpi(actor, kpi.id, {"target_value": "1"})
    db.session.expire_all()
    row = db.session.get(Kpi, kpi.id)
    assert (row.target_value, row.start_year, row.target_year, row.name) == (
        "45",
        2024,
        2026,
        "路演活动（每年）",
    )


def test_admin_deletes_a_kpi_with_its_entries(default_kpis, make_user, db):
    admin = make_user("admin")
    kpi = named("路演活动（每年）")
    kpis.add_kpi_entry(admin, kpi.id, {"value": "12", "as_of": "2025-06-30"})
    with pytest.raises(PermissionDenied):
        kpis.delete_kpi(make_user("viewer"), kpi.id)
    kpis.delete_kpi(admin, kpi.id)
    assert db.session.get(Kpi, kpi.id) is None
    assert db.session.scalar(select(func.count()).select_from(KpiEntry)) == 0
    logged = audit_actions(db, kpi.id)[-1]
    assert logged.action == "kpi.delete"
    assert logged.changes == {"name": "路演活动（每年）", "target": "30", "entries": [["2025-06-30", "12"]]}
    assert len(kpis.list_kpis()) == len(default_kpis) - 1
    with pytest.raises(NotFound):
        kpis.delete_kpi(admin, kpi.id)


def test_prefilled_table_is_listed_in_order(default_kpis):
    rows = kpis.list_kpis()
    assert [k.name for k in rows] == [k.name for k in default_kpis]
    assert rows[0].name == "技术合同交易额（2025年）" and rows[0].target_value == "230"
    assert len(kpis.kpi_progress(today_in_beijing())) == len(rows)
