"""技术合同交易额 and the KPI table over JSON: who may read them, what counts, and totals that equal SQL
sums."""

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, bindparam, text

from market.clock import today_in_beijing
from market.extensions import db
from market.models.vocab import CONTRACT_SUBTYPES, CONTRACT_TYPES, DEFAULT_FIELDS, PAYMENT_MODES
from market.services import contracts
from market.services.contract_stats import GROUPS
from tests.api.conftest import error_of, field_errors

STATS = "/api/v1/stats/contracts"
KPIS = "/api/v1/kpis"
YEAR_2026 = "from=2026-01-01&to=2026-12-31"
NEW_KPI = {
    "name": "技术合同登记数（2026年）",
    "unit": "项",
    "target_value": "1200",
    "target_year": 2026,
    "start_year": 2026,
    "period_kind": "annual",
    "source": "测试用计划",
    "metric": "contract_count",
}


@pytest.fixture
def headers(make_user, api_token):
    cache = {}

    def get(role):
        if role == "anonymous":
            return {}
        if role not in cache:
            cache[role] = api_token(make_user(role))
        return cache[role]

    return get


def stats(client, headers, query="") -> dict:
    response = client.get(f"{STATS}?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---- who may read -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("university", 403),
        ("enterprise", 403),
        ("broker", 403),
        ("viewer", 200),
        ("admin", 200),
    ],
)
def test_only_admins_and_viewers_read_statistics_and_kpis(client, headers, role, expected):
    for url in (STATS, f"{STATS}?group_by=type", KPIS):
        response = client.get(url, headers=headers(role))
        if expected == 200:
            assert response.status_code == 200, response.get_json()
        else:
            error_of(response, expected)


# ---- what counts --------------------------------------------------------------------------------------


def test_only_registered_contracts_count(client, headers, make_contract):
    make_contract(status="draft", amount="1.00")
    make_contract(status="submitted", amount="20.00")
    make_contract(status="returned", amount="300.00")
    make_contract(status="registered", amount="4000.00", recognised="3999.99")
    make_contract(status="registered", amount="50000.00")
    body = stats(client, headers("viewer"), YEAR_2026 + "&group_by=type")
    assert body["meta"] == {
        "from": "2026-01-01",
        "to": "2026-12-31",
        "label": "2026-01-01 至 2026-12-31",
        "group_by": "type",
        "count": 2,
        "amount": "54000.00",
        "amount_fen": 5_400_000,
        "recognised_amount": "53999.99",
        "recognised_fen": 5_399_999,
        "previous_count": 0,
        "previous_amount": "0.00",
        "previous_amount_fen": 0,
        "yoy": None,
    }
    assert body["items"] == [
        {
            "key": "transfer",
            "label": "技术转让",
            "count": 2,
            "amount": "54000.00",
            "amount_fen": 5_400_000,
            "recognised_amount": "53999.99",
            "recognised_fen": 5_399_999,
        }
    ]


def test_without_group_by_only_the_totals_come_back(client, headers, make_contract):
    make_contract(status="registered", amount="12345678.91")
    body = stats(client, headers("admin"), YEAR_2026)
    assert body["items"] == [] and body["meta"]["group_by"] is None
    assert (body["meta"]["count"], body["meta"]["amount"]) == (1, "12345678.91")


def test_periods_by_year_quarter_month_and_year_on_year(client, headers, make_contract):
    make_contract(status="registered", amount="1000000.00", signed_on="2025-02-10")
    make_contract(status="registered", amount="1500000.00", signed_on="2026-02-10")
    make_contract(status="registered", amount="500000.00", signed_on="2026-05-20")
    viewer = headers("viewer")
    year = stats(client, viewer, "year=2026")["meta"]
    assert (year["from"], year["to"], year["label"], year["count"], year["amount"]) == (
        "2026-01-01",
        "2026-12-31",
        "2026年",
        2,
        "2000000.00",
    )
    assert (year["previous_count"], year["previous_amount_fen"], year["yoy"]) == (1, 100_000_000, 1.0)
    quarter = stats(client, viewer, "year=2026&period=quarter&quarter=1")["meta"]
    assert (quarter["from"], quarter["to"], quarter["label"], quarter["amount"], quarter["yoy"]) == (
        "2026-01-01",
        "2026-03-31",
        "2026年第1季度",
        "1500000.00",
        0.5,
    )
    month = stats(client, viewer, "year=2026&period=month&month=5")["meta"]
    assert (month["from"], month["to"], month["amount"], month["previous_amount_fen"], month["yoy"]) == (
        "2026-05-01",
        "2026-05-31",
        "500000.00",
        0,
        None,
    )
    custom = stats(client, viewer, "from=2025-02-10&to=2026-02-10")["meta"]
    assert (custom["count"], custom["amount_fen"]) == (2, 250_000_000)  # both ends are inclusive
    assert stats(client, viewer, "year=2025")["meta"]["amount"] == "1000000.00"


def test_group_by_month_is_in_calendar_order_with_chinese_labels(client, headers, make_contract):
    for signed_on, amount in (
        ("2026-03-01", "1.00"),
        ("2025-11-30", "900000.00"),
        ("2026-01-05", "2.00"),
        ("2026-01-31", "3.50"),
        ("2024-12-31", "7.00"),
    ):
        make_contract(status="registered", amount=amount, signed_on=signed_on)
    body = stats(client, headers("admin"), "from=2025-01-01&to=2026-12-31&group_by=month")
    assert [(i["key"], i["label"], i["count"], i["amount"]) for i in body["items"]] == [
        ("2025-11", "2025年11月", 1, "900000.00"),
        ("2026-01", "2026年1月", 2, "5.50"),
        ("2026-03", "2026年3月", 1, "1.00"),
    ]
    assert body["meta"]["amount"] == "900006.50"


def test_other_groupings_have_labels_and_largest_first(client, headers, make_org, make_user, make_contract):
    institute = make_org(kind="institute", region="泾河")
    university = make_org(kind="university", region="沣东")
    broker = make_user("broker")
    make_contract(
        seller=institute,
        status="registered",
        amount="300.00",
        contract_type="development",
        buyer_province="北京市",
        broker_id=broker.id,
    )
    make_contract(seller=university, status="registered", amount="200.00", contract_type="service")
    make_contract(seller=university, status="registered", amount="150.00")
    admin = headers("admin")

    def rows(group_by, extra=""):
        return [
            (i["key"], i["label"], i["amount"])
            for i in stats(client, admin, f"{YEAR_2026}&group_by={group_by}{extra}")["items"]
        ]

    assert rows("type") == [
        ("development", "技术开发", "300.00"),
        ("service", "技术服务", "200.00"),
        ("transfer", "技术转让", "150.00"),
    ]
    assert rows("seller_kind") == [("university", "高校", "350.00"), ("institute", "科研院所", "300.00")]
    assert rows("region") == [("沣东", "沣东", "350.00"), ("泾河", "泾河", "300.00")]
    assert rows("buyer_region") == [("in", "省内", "350.00"), ("out", "省外", "300.00")]
    assert rows("seller") == [
        (str(university.id), university.name, "350.00"),
        (str(institute.id), institute.name, "300.00"),
    ]
    assert rows("seller", "&limit=1") == [(str(university.id), university.name, "350.00")]
    assert rows("broker") == [
        (str(broker.id), broker.display_name, "300.00")
    ]  # contracts without a broker are left out
    assert rows("field") == [("新材料", "新材料", "650.00")]


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2026-13-01", "from"),
        ("from=昨天&to=今天", "from"),
        ("to=2026-02-30", "to"),
        ("from=2026-06-01&to=2026-01-01", "to"),
        ("from=1990-01-01&to=2026-01-01", "from"),
        ("from=0001-01-01&to=0001-12-31", "from"),
        ("group_by=colour", "group_by"),
        ("group_by=type;drop", "group_by"),
        ("year=abc", "year"),
        ("year=1800", "year"),
        ("period=quarter&quarter=5", "quarter"),
        ("period=month&month=13", "month"),
        ("group_by=seller&limit=0", "limit"),
        ("group_by=seller&limit=abc", "limit"),
        ("group_by=seller&limit=100000", "limit"),
    ],
)
def test_bad_statistics_queries_get_chinese_field_messages(client, headers, query, field):
    assert field in field_errors(client.get(f"{STATS}?{query}", headers=headers("admin")))


# ---- totals equal a direct SQL sum on random data -----------------------------------------------------

SQL_TOTALS = text(
    "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0), COALESCE(SUM(recognised_fen), 0) FROM contracts "
    "WHERE status = 'registered' AND signed_on BETWEEN :start AND :end"
).bindparams(bindparam("start", type_=Date), bindparam("end", type_=Date))
SQL_ROWS = text(
    "SELECT contract_type, field, seller_region, seller_kind, buyer_province, seller_org_id, buyer_org_id, "
    "broker_id, signed_on, amount_fen, recognised_fen FROM contracts "
    "WHERE status = 'registered' AND signed_on BETWEEN :start AND :end"
).bindparams(bindparam("start", type_=Date), bindparam("end", type_=Date))


def _random_amount_fen(rng: random.Random) -> int:
    return rng.choice(
        [rng.randint(1, 99), rng.randint(100, 10**8), rng.randint(10**8, 10**13), rng.randint(10**13, 10**14)]
    )


def _expected_groups(rows) -> dict:
    """Per group_by, key → [count, amount_fen, recognised_fen], computed in Python from plain SQL rows."""
    keys = {
        "type": lambda r: r.contract_type,
        "field": lambda r: r.field,
        "region": lambda r: r.seller_region,
        "seller_kind": lambda r: r.seller_kind,
        "buyer_region": lambda r: "in" if r.buyer_province == "陕西省" else "out",
        "seller": lambda r: str(r.seller_org_id),
        "buyer": lambda r: str(r.buyer_org_id),
        "broker": lambda r: None if r.broker_id is None else str(r.broker_id),
        "month": lambda r: (
            r.signed_on if isinstance(r.signed_on, date) else date.fromisoformat(r.signed_on)
        ).strftime("%Y-%m"),
    }
    out = {}
    for group_by, key_of in keys.items():
        groups = defaultdict(lambda: [0, 0, 0])
        for row in rows:
            key = key_of(row)
            if key is None:
                continue
            groups[key][0] += 1
            groups[key][1] += row.amount_fen
            groups[key][2] += row.recognised_fen
        out[group_by] = dict(groups)
    return out


def test_totals_and_every_breakdown_equal_a_direct_sql_sum_on_random_contracts(
    client, headers, make_org, make_user
):
    rng = random.Random(20261201)
    admin_user = make_user("admin")
    sellers = [
        make_org(kind=kind, region=region)
        for kind, region in (
            ("university", "沣东"),
            ("university", "沣西"),
            ("institute", "秦汉"),
            ("enterprise", "空港"),
            ("institute", "能源金贸区"),
        )
    ]
    buyers = [make_org(kind="enterprise", region=r) for r in ("泾河", "沣东", "其他")]
    brokers = [make_user("broker"), make_user("broker")]
    today = today_in_beijing()
    first = date(today.year - 1, 1, 1)
    for n in range(40):
        kind = rng.choice(list(CONTRACT_TYPES))
        amount_fen = _random_amount_fen(rng)
        contract = contracts.create_contract(
            admin_user,
            {
                "number": f"RND-{n:03d}",
                "title": f"随机合同{n}",
                "contract_type": kind,
                "subtype": rng.choice(list(CONTRACT_SUBTYPES)) if kind in ("transfer", "licence") else None,
                "seller_org_id": rng.choice(sellers).id,
                "buyer_org_id": rng.choice(buyers).id,
                "broker_id": rng.choice([None, *[b.id for b in brokers]]),
                "amount": f"{amount_fen // 100}.{amount_fen % 100:02d}",
                "payment_mode": rng.choice(list(PAYMENT_MODES)),
                "signed_on": (first + timedelta(days=rng.randint(0, (today - first).days))).isoformat(),
                "field": rng.choice(DEFAULT_FIELDS[:5]),
                "buyer_province": rng.choice(["陕西省", "陕西省", "北京市", "广东省"]),
            },
        )
        status = rng.choice(["draft", "submitted", "returned", "registered", "registered", "registered"])
        if status != "draft":
            contracts.submit_contract(admin_user, contract.id)
        if status == "returned":
            contracts.return_contract(admin_user, contract.id, "材料不全")
        if status == "registered":
            recognised = rng.randint(0, amount_fen)
            contracts.register_contract(
                admin_user, contract.id, {"recognised_amount": f"{recognised // 100}.{recognised % 100:02d}"}
            )

    viewer = headers("viewer")
    windows = [(first, today)] + [
        tuple(
            sorted(
                (
                    first + timedelta(days=rng.randint(0, (today - first).days)),
                    first + timedelta(days=rng.randint(0, (today - first).days)),
                )
            )
        )
        for _ in range(3)
    ]
    for start, end in windows:
        # PostgreSQL's SUM of a bigint is a numeric (Decimal); it is still exact.
        count, amount_fen, recognised_fen = map(
            int, db.session.execute(SQL_TOTALS, {"start": start, "end": end}).one()
        )
        expected = _expected_groups(db.session.execute(SQL_ROWS, {"start": start, "end": end}).all())
        for group_by in [None, *GROUPS]:
            query = f"from={start.isoformat()}&to={end.isoformat()}" + (
                f"&group_by={group_by}" if group_by else ""
            )
            body = stats(client, viewer, query)
            meta = body["meta"]
            assert (meta["count"], meta["amount_fen"], meta["recognised_fen"]) == (
                count,
                amount_fen,
                recognised_fen,
            )
            assert meta["amount"] == f"{amount_fen // 100}.{amount_fen % 100:02d}"
            if group_by is None:
                assert body["items"] == []
                continue
            items = body["items"]
            got = {i["key"]: [i["count"], i["amount_fen"], i["recognised_fen"]] for i in items}
            assert got == expected[group_by], (group_by, start, end)
            assert all(i["amount"] == f"{i['amount_fen'] // 100}.{i['amount_fen'] % 100:02d}" for i in items)
            if group_by != "broker":  # every contract has a seller, a month, a type…; not every one a broker
                assert sum(i["amount_fen"] for i in items) == amount_fen
                assert sum(i["recognised_fen"] for i in items) == recognised_fen
                assert sum(i["count"] for i in items) == count
            if group_by == "month":
                assert [i["key"] for i in items] == sorted(got)
            else:
                assert [i["amount_fen"] for i in items] == sorted(
                    (i["amount_fen"] for i in items), reverse=True
                )
    everything = _expected_groups(db.session.execute(SQL_ROWS, {"start": first, "end": today}).all())
    assert sum(c for c, _a, _r in everything["type"].values()) >= 10  # the data had registered contracts…
    assert all(len(everything[g]) >= 2 for g in GROUPS)  # …spread over several keys of every grouping
    assert (
        db.session.execute(text("SELECT COUNT(*) FROM contracts WHERE status <> 'registered'")).scalar() >= 5
    )


# ---- KPIs ---------------------------------------------------------------------------------------------


def kpi_named(client, headers, name) -> dict:
    items = client.get(KPIS, headers=headers).get_json()["items"]
    return next(k for k in items if k["name"] == name)


def test_the_prefilled_kpis_compute_contract_volume_in_yi_yuan(client, headers, default_kpis, make_contract):
    viewer = headers("viewer")
    items = client.get(KPIS, headers=viewer).get_json()["items"]
    assert [k["name"] for k in items] == [k.name for k in default_kpis]
    annual = kpi_named(client, viewer, "技术合同交易额（2026年，年度口径）")
    assert (
        annual["unit"],
        annual["baseline_value"],
        annual["baseline_year"],
        annual["target_value"],
        annual["target_year"],
        annual["period_kind"],
        annual["metric"],
    ) == ("亿元", "80", 2020, "500", 2026, "annual", "contract_amount")
    assert (annual["actual"], annual["achieved"], annual["last_entry"]) == ("0", 0.0, None)
    assert (annual["period_start"], annual["period_end"]) == ("2026-01-01", "2026-12-31")
    assert 0 <= annual["elapsed"] <= 1

    make_contract(status="registered", amount="1500000.00")  # 0.015亿元, signed 2026-03-15
    make_contract(status="submitted", amount="99999999.00")  # not registered: does not count
    annual = kpi_named(client, viewer, "技术合同交易额（2026年，年度口径）")
    assert annual["actual"] == "0.015"
    assert annual["achieved"] == pytest.approx(0.015 / 500)
    assert annual["on_track"] is (annual["achieved"] >= annual["elapsed"])
    assert kpi_named(client, viewer, "技术合同交易额（2024—2026年累计口径）")["actual"] == "0.015"
    assert kpi_named(client, viewer, "技术合同交易额（2025年）")["actual"] == "0"  # its year is 2025


def test_a_manual_kpi_takes_an_admins_entry(client, headers, make_user, api_token, default_kpis):
    admin_user = make_user("admin", display_name="统计员张三")
    admin = api_token(admin_user)
    manual = kpi_named(client, admin, "技术转移示范机构")
    assert (
        manual["metric"],
        manual["actual"],
        manual["achieved"],
        manual["on_track"],
        manual["last_entry"],
    ) == (None, None, None, None, None)
    url = f"{KPIS}/{manual['id']}/entries"
    error_of(client.post(url, json={"value": "3", "as_of": "2026-06-30"}, headers=headers("viewer")), 403)
    error_of(client.post(url, json={"value": "3", "as_of": "2026-06-30"}), 401)
    assert "value" in field_errors(
        client.post(url, json={"value": "三家", "as_of": "2026-06-30"}, headers=admin)
    )
    assert "as_of" in field_errors(
        client.post(url, json={"value": "3", "as_of": "2099-01-01"}, headers=admin)
    )
    assert "colour" in field_errors(
        client.post(url, json={"value": "3", "as_of": "2026-06-30", "colour": "红"}, headers=admin)
    )
    entry = client.post(
        url, json={"value": "3", "as_of": "2026-06-30", "note": "科技局年中统计"}, headers=admin
    )
    assert entry.status_code == 201, entry.get_json()
    assert {k: entry.get_json()[k] for k in ("value", "as_of", "note", "entered_by")} == {
        "value": "3",
        "as_of": "2026-06-30",
        "note": "科技局年中统计",
        "entered_by": "统计员张三",
    }
    client.post(url, json={"value": "2", "as_of": "2025-12-31"}, headers=admin)  # older: not the one shown

    shown = kpi_named(client, headers("viewer"), "技术转移示范机构")
    assert (shown["actual"], shown["achieved"]) == ("3", pytest.approx(0.3))
    assert shown["last_entry"] | {"id": None, "entered_at": None} == {
        "id": None,
        "value": "3",
        "as_of": "2026-06-30",
        "note": "科技局年中统计",
        "entered_by": "统计员张三",
        "entered_at": None,
    }
    assert shown["last_entry"]["entered_at"]

    computed = kpi_named(client, admin, "技术合同交易额（2025年）")
    assert "value" in field_errors(
        client.post(
            f"{KPIS}/{computed['id']}/entries", json={"value": "1", "as_of": "2025-12-31"}, headers=admin
        )
    )
    error_of(
        client.post(f"{KPIS}/999999/entries", json={"value": "1", "as_of": "2025-12-31"}, headers=admin), 404
    )


def test_admins_create_change_and_delete_kpis(client, headers, make_contract):
    admin = headers("admin")
    for role in ("viewer", "enterprise"):
        error_of(client.post(KPIS, json=NEW_KPI, headers=headers(role)), 403)
    error_of(client.post(KPIS, json=NEW_KPI), 401)
    created = client.post(KPIS, json=NEW_KPI, headers=admin)
    assert created.status_code == 201, created.get_json()
    kpi = created.get_json()
    assert {k: kpi[k] for k in NEW_KPI} == NEW_KPI and kpi["baseline_value"] is None
    url = f"{KPIS}/{kpi['id']}"

    make_contract(status="registered")
    make_contract(status="registered", signed_on="2025-12-31")  # outside the 2026 period
    assert kpi_named(client, admin, NEW_KPI["name"])["actual"] == "1"

    changed = client.patch(url, json={"target_value": "1500.5", "baseline_value": 800}, headers=admin)
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["target_value"], changed.get_json()["baseline_value"]) == ("1500.5", "800")
    assert "start_year" in field_errors(client.patch(url, json={"start_year": 2027}, headers=admin))
    assert "target_value" in field_errors(client.patch(url, json={"target_value": "-1"}, headers=admin))
    assert "period_kind" in field_errors(client.patch(url, json={"period_kind": "weekly"}, headers=admin))
    assert "actual" in field_errors(client.patch(url, json={"actual": "5"}, headers=admin))
    assert "name" in field_errors(client.post(KPIS, json={**NEW_KPI, "name": ""}, headers=admin))
    error_of(client.patch(url, json={"target_value": "1"}, headers=headers("viewer")), 403)
    error_of(client.delete(url, headers=headers("viewer")), 403)

    assert client.delete(url, headers=admin).status_code == 204
    error_of(client.patch(url, json={"target_value": "1"}, headers=admin), 404)
    assert client.get(KPIS, headers=admin).get_json()["items"] == []


# ---- the OpenAPI document describes these responses ---------------------------------------------------


def test_stats_and_kpi_responses_match_the_spec(client, headers, make_contract, default_kpis, validate):  # noqa: F811
    make_contract(status="registered")
    admin, viewer = headers("admin"), headers("viewer")
    for query in (
        YEAR_2026,
        f"{YEAR_2026}&group_by=month",
        "group_by=broker",
        "year=2026&period=quarter&quarter=1",
    ):
        validate("/stats/contracts", "get", client.get(f"{STATS}?{query}", headers=viewer), 200)
    validate("/stats/contracts", "get", client.get(f"{STATS}?group_by=x", headers=viewer), 422)
    validate("/stats/contracts", "get", client.get(STATS, headers=headers("broker")), 403)
    manual = next(k for k in default_kpis if k.metric is None)
    validate(
        "/kpis/{id}/entries",
        "post",
        client.post(
            f"{KPIS}/{manual.id}/entries", json={"value": "1.25", "as_of": "2026-01-31"}, headers=admin
        ),
        201,
    )
    validate("/kpis", "get", client.get(KPIS, headers=viewer), 200)
    validate("/kpis", "get", client.get(KPIS, headers=headers("university")), 403)
    created = client.post(KPIS, json=NEW_KPI, headers=admin)
    validate("/kpis", "post", created, 201)
    validate("/kpis", "post", client.post(KPIS, json={}, headers=admin), 422)
    url = f"{KPIS}/{created.get_json()['id']}"
    validate("/kpis/{id}", "patch", client.patch(url, json={"source": "新文件"}, headers=admin), 200)
    validate("/kpis/{id}", "delete", client.delete(url, headers=admin), 204)
    validate("/kpis/{id}", "delete", client.delete(url, headers=admin), 404)
