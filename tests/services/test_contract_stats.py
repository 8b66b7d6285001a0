"""技术合同交易额 statistics: only registered contracts, exact to the fen on both databases."""

import calendar
import random
import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from market.errors import ValidationFailed
from market.models.vocab import CONTRACT_SUBTYPES, CONTRACT_TYPES, CONTRACT_TYPES_WITH_SUBTYPE, ORG_KINDS
from market.services import contract_stats as stats
from market.services import contracts
from market.services.contract_stats import Period, period_from
from tests.conftest import CONTRACT

TODAY = date(2026, 12, 1)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def write(admin, seller, buyer, status="registered", amount_fen=100_000, recognised_fen=None, **overrides):
    """A contract written by an admin and taken to `status`."""
    contract = contracts.create_contract(
        admin,
        {
            **CONTRACT,
            "seller_org_id": seller.id,
            "buyer_org_id": buyer.id,
            "amount": yuan(amount_fen),
            **overrides,
        },
    )
    if status != "draft":
        contracts.submit_contract(admin, contract.id)
    if status == "registered":
        recognised = amount_fen if recognised_fen is None else recognised_fen
        contracts.register_contract(admin, contract.id, {"recognised_amount": yuan(recognised)})
    elif status == "returned":
        contracts.return_contract(admin, contract.id, "材料不全")
    return contract


def sql_sum(db, start: date, end: date, where: str = "1 = 1", **params) -> tuple[int, int, int]:
    """Count, SUM(amount_fen), SUM(recognised_fen) of registered contracts straight from SQL."""
    row = db.session.execute(
        text(
            "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0), COALESCE(SUM(recognised_fen), 0) FROM contracts "
            f"WHERE status = 'registered' AND signed_on >= :start AND signed_on <= :end AND ({where})"
        ),
        {"start": start, "end": end, **params},
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def month_bounds(key: str) -> tuple[date, date]:
    year, month = map(int, key.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def where_for(group_by: str, key: str) -> tuple[str, dict]:
    """The SQL condition that picks the rows of one breakdown row."""
    column = {
        "type": "contract_type",
        "field": "field",
        "region": "seller_region",
        "seller_kind": "seller_kind",
        "seller": "seller_org_id",
        "buyer": "buyer_org_id",
        "broker": "broker_id",
    }.get(group_by)
    if group_by in ("seller", "buyer", "broker"):
        return f"{column} = :key", {"key": int(key)}
    if column:
        return f"{column} = :key", {"key": key}
    if group_by == "buyer_region":
        return ("buyer_province = '陕西省'" if key == "in" else "buyer_province <> '陕西省'"), {}
    if group_by == "month":
        first, last = month_bounds(key)
        return "signed_on >= :first AND signed_on <= :last", {"first": first, "last": last}
    raise AssertionError(group_by)


@pytest.fixture
def random_register(make_user, make_org):
    """~80 contracts of random amounts (odd fen up to 10^12 fen), dates 2024–2026 and statuses."""
    rng = random.Random(20261201)
    admin = make_user("admin")
    kinds = ("university", "institute", "enterprise")
    regions = ("沣东", "沣西", "秦汉", "空港", "泾河")
    orgs = [make_org(kind=kinds[n % 3], region=regions[n % 5]) for n in range(7)]
    brokers = [make_user("broker") for _ in range(3)] + [None]
    provinces = ("陕西省", "陕西省", "北京市", "广东省", "境外")
    fields = ("新材料", "光子", "氢能", "人工智能")
    start, span = date(2024, 1, 1), (TODAY - date(2024, 1, 1)).days
    records = []
    for n in range(80):
        seller, buyer = rng.sample(orgs, 2)
        kind = rng.choice(tuple(CONTRACT_TYPES))
        amount = rng.choice((rng.randrange(1, 10**12), rng.randrange(1, 10**6), 10**12 - 1, 1))
        if amount % 2 == 0:
            amount += 1  # odd cents everywhere
        recognised = rng.randrange(0, amount + 1)
        broker = rng.choice(brokers)
        values = {
            "number": f"HT-{n:03d}",
            "contract_type": kind,
            "subtype": rng.choice(tuple(CONTRACT_SUBTYPES)) if kind in CONTRACT_TYPES_WITH_SUBTYPE else "",
            "signed_on": (start + timedelta(days=rng.randrange(span + 1))).isoformat(),
            "field": rng.choice(fields),
            "buyer_province": rng.choice(provinces),
            "broker_id": broker.id if broker else "",
        }
        status = rng.choice(("registered", "registered", "registered", "draft", "submitted", "returned"))
        write(admin, seller, buyer, status, amount, recognised, **values)
        records.append(
            {
                "status": status,
                "amount": amount,
                "recognised": recognised,
                "seller": seller,
                "buyer": buyer,
                "broker": broker,
                **values,
                "signed_on": date.fromisoformat(values["signed_on"]),
            }
        )
    return records


def expected_groups(records, period: Period) -> dict:
    """Per breakdown, key → (count, amount, recognised), computed in Python from what the test wrote."""
    out = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for r in records:
        if r["status"] != "registered" or not period.start <= r["signed_on"] <= period.end:
            continue
        keys = {
            "type": r["contract_type"],
            "field": r["field"],
            "region": r["seller"].region,
            "seller_kind": r["seller"].kind,
            "seller": str(r["seller"].id),
            "buyer": str(r["buyer"].id),
            "buyer_region": "in" if r["buyer_province"] == "陕西省" else "out",
            "month": r["signed_on"].strftime("%Y-%m"),
        }
        if r["broker"]:
            keys["broker"] = str(r["broker"].id)
        for group_by, key in keys.items():
            cell = out[group_by][key]
            cell[0] += 1
            cell[1] += r["amount"]
            cell[2] += r["recognised"]
    return {g: {k: tuple(v) for k, v in rows.items()} for g, rows in out.items()}


PERIODS = [
    {"period": "year", "year": "2024"},
    {"period": "year", "year": "2025"},
    {"period": "year", "year": "2026"},
    {"period": "quarter", "year": "2025", "quarter": "2"},
    {"period": "month", "year": "2024", "month": "2"},
    {"from": "2024-01-01", "to": TODAY.isoformat()},
    {"from": "2024-07-15", "to": "2025-09-30"},
]


def test_totals_and_breakdowns_equal_sql_sums_to_the_fen(db, random_register):
    records = random_register
    assert {r["status"] for r in records} == {"draft", "submitted", "returned", "registered"}
    assert any(r["amount"] > 10**11 for r in records if r["status"] == "registered")
    for args in PERIODS:
        period = period_from(args, TODAY)
        got = stats.totals(period)
        direct = sql_sum(db, period.start, period.end)
        in_python = [
            r for r in records if r["status"] == "registered" and period.start <= r["signed_on"] <= period.end
        ]
        assert (got.count, got.amount_fen, got.recognised_fen) == direct, args
        assert direct == (
            len(in_python),
            sum(r["amount"] for r in in_python),
            sum(r["recognised"] for r in in_python),
        )
        assert all(type(v) is int for v in (got.count, got.amount_fen, got.recognised_fen))

        expected = expected_groups(records, period)
        for group_by in stats.GROUPS:
            rows = stats.breakdown(period, group_by)
            as_dict = {row.key: (row.count, row.amount_fen, row.recognised_fen) for row in rows}
            assert as_dict == expected.get(group_by, {}), (args, group_by)
            for row in rows:
                assert type(row.amount_fen) is int and type(row.recognised_fen) is int
                where, params = where_for(group_by, row.key)
                assert (row.count, row.amount_fen, row.recognised_fen) == sql_sum(
                    db, period.start, period.end, where, **params
                ), (args, group_by, row.key)
            if group_by == "broker":
                assert (
                    sum(r.amount_fen for r in rows)
                    == sql_sum(db, period.start, period.end, "broker_id IS NOT NULL")[1]
                )
            else:
                assert sum(r.count for r in rows) == got.count
                assert sum(r.amount_fen for r in rows) == got.amount_fen
                assert sum(r.recognised_fen for r in rows) == got.recognised_fen
            if group_by == "month":
                assert [r.key for r in rows] == sorted(r.key for r in rows)
            else:
                assert [r.amount_fen for r in rows] == sorted((r.amount_fen for r in rows), reverse=True)


def test_month_keys_labels_and_calendar_order(make_user, make_org):
    admin = make_user("admin")
    seller, buyer = make_org(), make_org(kind="enterprise")
    for day, amount in (
        ("2025-11-30", 500),
        ("2026-03-01", 100),
        ("2026-01-31", 900),
        ("2026-03-31", 1),
        ("2025-12-01", 7),
    ):
        write(admin, seller, buyer, amount_fen=amount, signed_on=day)
    rows = stats.breakdown(period_from({"from": "2025-01-01", "to": "2026-11-30"}, TODAY), "month")
    assert [(r.key, r.label, r.count, r.amount_fen) for r in rows] == [
        ("2025-11", "2025年11月", 1, 500),
        ("2025-12", "2025年12月", 1, 7),
        ("2026-01", "2026年1月", 1, 900),
        ("2026-03", "2026年3月", 2, 101),
    ]
    assert all(re.fullmatch(r"\d{4}-\d{2}", r.key) for r in rows)


def test_labels_and_top_lists(make_user, make_org):
    admin = make_user("admin")
    uni = make_org(kind="university", name="西安交通大学", region="沣东")
    inst = make_org(kind="institute", name="中科院西安光机所", region="沣西")
    firm = make_org(kind="enterprise", name="隆基绿能", region="秦汉")
    broker = make_user("broker", display_name="张经纪")
    write(admin, uni, firm, amount_fen=300, buyer_province="陕西省", broker_id=broker.id)
    write(admin, inst, firm, amount_fen=200, buyer_province="北京市", contract_type="development", subtype="")
    write(admin, inst, uni, amount_fen=150, buyer_province="境外", contract_type="service", subtype="")
    period = period_from({"period": "year", "year": "2026"}, TODAY)
    assert [(r.key, r.label, r.amount_fen) for r in stats.breakdown(period, "buyer_region")] == [
        ("out", "省外", 350),
        ("in", "省内", 300),
    ]
    assert [(r.label, r.amount_fen) for r in stats.breakdown(period, "seller_kind")] == [
        (ORG_KINDS["institute"], 350),
        (ORG_KINDS["university"], 300),
    ]
    assert [(r.label, r.amount_fen) for r in stats.breakdown(period, "seller")] == [
        ("中科院西安光机所", 350),
        ("西安交通大学", 300),
    ]
    assert [(r.label, r.amount_fen) for r in stats.breakdown(period, "seller", limit=1)] == [
        ("中科院西安光机所", 350)
    ]
    assert [(r.label, r.amount_fen) for r in stats.breakdown(period, "buyer")] == [
        ("隆基绿能", 500),
        ("西安交通大学", 150),
    ]
    assert [(r.label, r.amount_fen) for r in stats.breakdown(period, "broker")] == [("张经纪", 300)]
    assert [(r.label, r.amount_fen) for r in stats.breakdown(period, "type")] == [
        ("技术转让", 300),
        ("技术开发", 200),
        ("技术服务", 150),
    ]
    assert [(r.key, r.amount_fen) for r in stats.breakdown(period, "region")] == [
        ("沣西", 350),
        ("沣东", 300),
    ]
    assert sum(r.share for r in stats.breakdown(period, "type")) == pytest.approx(1.0)
    with pytest.raises(ValidationFailed) as exc:
        stats.breakdown(period, "colour")
    assert "group_by" in exc.value.fields


def test_only_registered_contracts_count(make_user, make_org):
    admin = make_user("admin")
    seller, buyer = make_org(), make_org(kind="enterprise")
    write(admin, seller, buyer, "registered", 12_345, 10_001)
    for status in ("draft", "submitted", "returned"):
        write(admin, seller, buyer, status, 99_999_999)
    period = period_from({}, TODAY)
    totals = stats.totals(period)
    assert (totals.count, totals.amount_fen, totals.recognised_fen) == (1, 12_345, 10_001)
    assert [(r.key, r.count) for r in stats.breakdown(period, "type")] == [("transfer", 1)]


def test_empty_period_is_zero_not_an_error(db):
    period = period_from({"period": "year", "year": "1999"}, TODAY)
    totals = stats.totals(period)
    assert (totals.count, totals.amount_fen, totals.recognised_fen) == (0, 0, 0)
    overview = stats.overview(period)
    assert overview.yoy is None
    assert all(rows == [] for rows in overview.breakdowns.values())


# ---- periods -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, start, end, label",
    [
        ({}, date(2026, 1, 1), date(2026, 12, 31), "2026年"),
        ({"period": "year", "year": "2024"}, date(2024, 1, 1), date(2024, 12, 31), "2024年"),
        (
            {"period": "quarter", "year": "2025", "quarter": "1"},
            date(2025, 1, 1),
            date(2025, 3, 31),
            "2025年第1季度",
        ),
        (
            {"period": "quarter", "year": "2024", "quarter": "4"},
            date(2024, 10, 1),
            date(2024, 12, 31),
            "2024年第4季度",
        ),
        ({"period": "quarter"}, date(2026, 10, 1), date(2026, 12, 31), "2026年第4季度"),
        ({"period": "month", "year": "2024", "month": "2"}, date(2024, 2, 1), date(2024, 2, 29), "2024年2月"),
        ({"period": "month", "year": "2025", "month": "2"}, date(2025, 2, 1), date(2025, 2, 28), "2025年2月"),
        ({"period": "month"}, date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
        (
            {"from": "2025-03-01", "to": "2025-05-31"},
            date(2025, 3, 1),
            date(2025, 5, 31),
            "2025-03-01 至 2025-05-31",
        ),
        ({"from": "2025-03-01"}, date(2025, 3, 1), TODAY, "2025-03-01 至 2026-12-01"),
        (
            {"period": "custom", "to": "2026-06-30"},
            date(2026, 1, 1),
            date(2026, 6, 30),
            "2026-01-01 至 2026-06-30",
        ),
    ],
)
def test_period_from(args, start, end, label):
    period = period_from(args, TODAY)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize(
    "args, field, message",
    [
        ({"year": "abc"}, "year", "年份必须是数字"),
        (
            {"period": "week"},
            "period",
            "统计周期应为 year（年）、quarter（季度）、month（月）或 custom（自定义）",
        ),
        ({"year": "1800"}, "year", "年份应在1990到2100之间"),
        ({"period": "quarter", "quarter": "5"}, "quarter", "季度应为1到4"),
        ({"period": "quarter", "quarter": "一"}, "quarter", "季度应为1到4"),
        ({"period": "month", "month": "13"}, "month", "月份应为1到12"),
        ({"from": "2025-05-01", "to": "2025-04-30"}, "to", "结束日期不能早于开始日期"),
        ({"from": "2025/13/01"}, "from", "日期格式应为 年-月-日，例如 2026-01-31"),
        ({"from": "0001-01-01", "to": "2020-01-01"}, "from", "日期应在1990年到2100年之间"),
        ({"from": "2026-01-01", "to": "9999-12-31"}, "to", "日期应在1990年到2100年之间"),
        ({"from": "1990-01-01", "to": "2021-01-01"}, "from", "统计区间不能超过30年"),
        ({"from": "1996-01-01", "to": "2026-02-01"}, "from", "统计区间不能超过30年"),
        ({"from": "1996-01-01", "to": "2026-01-15"}, "from", "统计区间不能超过30年"),
        ({"from": "1996-01-01", "to": "2026-01-02"}, "from", "统计区间不能超过30年"),
    ],
)
def test_period_errors_are_chinese_per_field(args, field, message):
    with pytest.raises(ValidationFailed) as exc:
        period_from(args, TODAY)
    assert exc.value.fields == {field: message}


def test_thirty_years_exactly_is_allowed():
    period = period_from({"from": "1996-01-01", "to": "2026-01-01"}, TODAY)
    assert (period.start, period.end) == (date(1996, 1, 1), date(2026, 1, 1))
    period = period_from({"from": "1996-02-29", "to": "2026-02-28"}, TODAY)
    assert period.days == (date(2026, 2, 28) - date(1996, 2, 29)).days + 1


def test_previous_year_around_29_february():
    leap_month = period_from({"period": "month", "year": "2024", "month": "2"}, TODAY)
    assert leap_month.previous_year() == Period(date(2023, 2, 1), date(2023, 2, 28), "上年同期")
    leap_day = Period(date(2024, 2, 29), date(2024, 2, 29))
    assert (leap_day.previous_year().start, leap_day.previous_year().end) == (
        date(2023, 2, 28),
        date(2023, 2, 28),
    )
    # February after a leap year is compared with the whole of the leap February
    february = period_from({"period": "month", "year": "2025", "month": "2"}, TODAY)
    assert (february.previous_year().start, february.previous_year().end) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
    )
    single_day = Period(date(2025, 2, 28), date(2025, 2, 28)).previous_year()
    assert (single_day.start, single_day.end) == (date(2024, 2, 28), date(2024, 2, 28))
    quarter = period_from({"period": "quarter", "year": "2025", "quarter": "1"}, TODAY).previous_year()
    assert (quarter.start, quarter.end) == (date(2024, 1, 1), date(2024, 3, 31))


def test_overview_of_a_leap_day_period_does_not_crash(make_user, make_org):
    admin = make_user("admin")
    seller, buyer = make_org(), make_org(kind="enterprise")
    write(admin, seller, buyer, amount_fen=2_900, signed_on="2024-02-29")
    write(admin, seller, buyer, amount_fen=2_800, signed_on="2023-02-28")
    overview = stats.overview(Period(date(2024, 2, 29), date(2024, 2, 29)))
    assert (overview.totals.amount_fen, overview.previous.amount_fen) == (2_900, 2_800)
    assert overview.yoy == pytest.approx(100 / 2_800)
    february = stats.overview(period_from({"period": "month", "year": "2025", "month": "2"}, TODAY))
    assert (february.totals.amount_fen, february.previous.amount_fen, february.yoy) == (0, 2_900, -1.0)


# ---- year on year --------------------------------------------------------------------------------------


def test_yoy_is_none_without_last_years_data_and_exact_otherwise(make_user, make_org):
    admin = make_user("admin")
    seller, buyer = make_org(), make_org(kind="enterprise")
    write(admin, seller, buyer, amount_fen=150_000_001, signed_on="2025-05-20")
    write(admin, seller, buyer, "submitted", 999_999, signed_on="2024-05-20")  # not registered: no base
    this_year = period_from({"period": "year", "year": "2025"}, TODAY)
    overview = stats.overview(this_year)
    assert overview.previous.amount_fen == 0 and overview.yoy is None
    write(admin, seller, buyer, amount_fen=100_000_001, signed_on="2024-12-31")
    write(admin, seller, buyer, amount_fen=50_000, signed_on="2025-12-31")
    overview = stats.overview(this_year)
    assert (overview.totals.count, overview.totals.amount_fen) == (2, 150_050_001)
    assert (overview.previous.count, overview.previous.amount_fen) == (1, 100_000_001)
    assert overview.yoy == pytest.approx(50_050_000 / 100_000_001)
    assert overview.period == this_year
    assert set(overview.breakdowns) == set(stats.GROUPS)
    # last year's same quarter only
    q4 = stats.overview(period_from({"period": "quarter", "year": "2025", "quarter": "4"}, TODAY))
    assert (q4.totals.amount_fen, q4.previous.amount_fen) == (50_000, 100_000_001)


def test_overview_limits_the_top_lists(make_user, make_org):
    admin = make_user("admin")
    buyer = make_org(kind="enterprise")
    for n in range(12):
        write(admin, make_org(), buyer, amount_fen=1_000 + n)
    overview = stats.overview(period_from({}, TODAY), top=10)
    assert len(overview.breakdowns["seller"]) == 10
    assert overview.breakdowns["seller"][0].amount_fen == 1_011
    assert overview.breakdowns["type"][0].count == 12
