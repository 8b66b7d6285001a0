"""The dashboard pages: totals of registered contracts per period, KPIs, exports, and who may see them."""

import csv
import html
import io
import re
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.models import AuditEntry
from market.models.kpi import Kpi, KpiEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _testid(response, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>(.*?)<', response.get_data(as_text=True), re.S)
    assert match, f"no {name} on the page"
    return html.unescape(match.group(1)).strip()


def _kpi_row(response, kpi_id: int) -> str:
    match = re.search(rf'<tr id="kpi-{kpi_id}".*?</tr>', response.get_data(as_text=True), re.S)
    assert match, f"KPI {kpi_id} is not on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(0)))


def _filename(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return unquote(disposition.split("filename*=UTF-8''")[1])


def _kpi(name: str) -> Kpi:
    from market.extensions import db

    return db.session.scalar(select(Kpi).where(Kpi.name == name))


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin"))


# ---- totals and periods --------------------------------------------------------------------------------


def test_admin_sees_the_totals_of_registered_contracts_only(client, admin, make_contract):
    make_contract(status="registered", amount="1500000.00", recognised="1200000.00", signed_on="2025-03-15")
    make_contract(status="submitted", amount="2000000.00", signed_on="2025-04-01")
    make_contract(status="draft", amount="3000000.00", signed_on="2025-04-02")

    response = client.get("/dashboard/?period=year&year=2025")
    assert response.status_code == 200
    assert _testid(response, "period-label") == "2025年"
    assert _testid(response, "total-amount") == "150万元"
    assert _testid(response, "total-count") == "1"
    assert _testid(response, "total-recognised") == "120万元"
    page = _text(response)
    assert "技术转让" in page  # the type breakdown's table
    assert page.count('<rect class="bar"') >= 5  # charts drawn on the server
    assert (
        "https://" not in page.split("<main")[1].split("</main>")[0]
    )  # nothing loaded from a CDN for the charts


def test_year_on_year_change_is_shown_and_missing_last_year_says_so(client, admin, make_contract):
    make_contract(status="registered", amount="1500000.00", signed_on="2025-03-15")
    make_contract(status="registered", amount="1000000.00", signed_on="2024-05-01")

    assert _testid(client.get("/dashboard/?period=year&year=2025"), "yoy") == "+50.0%"
    assert _testid(client.get("/dashboard/?period=year&year=2024"), "yoy") == "上年同期无数据"
    # A quarter compares with the same quarter of the year before: 2024 Q1 had nothing.
    assert _testid(client.get("/dashboard/?period=quarter&year=2025&quarter=1"), "yoy") == "上年同期无数据"


def test_quarter_month_and_custom_periods_change_the_totals(client, admin, make_contract):
    make_contract(status="registered", amount="100000.00", signed_on="2025-02-10")
    make_contract(status="registered", amount="300000.00", signed_on="2025-05-20")
    make_contract(status="registered", amount="50000.00", signed_on="2025-11-30")

    cases = {
        "period=year&year=2025": ("45万元", "3", "2025年"),
        "period=quarter&year=2025&quarter=1": ("10万元", "1", "2025年第1季度"),
        "period=quarter&year=2025&quarter=2": ("30万元", "1", "2025年第2季度"),
        "period=month&year=2025&month=5": ("30万元", "1", "2025年5月"),
        "period=month&year=2025&month=6": ("0元", "0", "2025年6月"),
        "period=custom&from=2025-02-01&to=2025-05-31": ("40万元", "2", "2025-02-01 至 2025-05-31"),
        # The chooser sends every field: from/to count only when 自定义 is chosen.
        "period=year&year=2025&from=2025-02-01&to=2025-02-28": ("45万元", "3", "2025年"),
    }
    for query, (amount, count, label) in cases.items():
        response = client.get(f"/dashboard/?{query}")
        assert response.status_code == 200, query
        assert (
            _testid(response, "total-amount"),
            _testid(response, "total-count"),
            _testid(response, "period-label"),
        ) == (amount, count, label), query


@pytest.mark.parametrize(
    "query,message",
    [
        ("period=quarter&year=2025&quarter=9", "季度应为1到4"),
        ("period=month&year=2025&month=13", "月份应为1到12"),
        ("period=year&year=abc", "年份必须是数字"),
        ("period=year&year=1800", "年份应在1990到2100之间"),
        ("period=custom&from=2025-13-01", "日期格式应为"),
        ("period=custom&from=2025-06-01&to=2025-01-01", "结束日期不能早于开始日期"),
        ("period=custom&from=1991-01-01&to=2025-01-01", "统计区间不能超过30年"),
        ("period=custom&from=1900-01-01&to=2025-01-01", "1990"),
        ("period=year&year=" + "9" * 5000, "年份必须是数字"),
    ],
)
def test_bad_period_input_shows_a_message_and_the_default_period(client, admin, query, message):
    response = client.get(f"/dashboard/?{query}")
    assert response.status_code == 200
    alert = re.search(
        r'data-testid="period-error">(.*?)</div>\s*</div>', response.get_data(as_text=True), re.S
    )
    assert alert and message in html.unescape(alert.group(1))
    assert _testid(response, "period-label") == f"{today_in_beijing().year}年"


def test_month_breakdown_lists_the_months_and_every_breakdown_has_downloads(client, admin, make_contract):
    make_contract(status="registered", amount="100000.00", signed_on="2025-02-10", buyer_province="北京市")
    response = client.get("/dashboard/?period=year&year=2025")
    page = _text(response)
    assert "2025年2月" in page and "省外" in page
    for group in (
        "type",
        "field",
        "region",
        "month",
        "seller_kind",
        "buyer_region",
        "seller",
        "buyer",
        "broker",
    ):
        assert f'data-testid="breakdown-{group}"' in page
        assert f"/dashboard/export/{group}.csv?period=year&amp;year=2025" in response.get_data(as_text=True)
        assert f"/dashboard/export/{group}.xlsx?period=year&amp;year=2025" in response.get_data(as_text=True)


# ---- who may see what ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/dashboard/kpis",
        "/dashboard/export/type.csv",
        "/dashboard/kpis/new",
        "/dashboard/contracts.csv",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["university", "enterprise", "broker"])
@pytest.mark.parametrize(
    "path", ["/dashboard/", "/dashboard/kpis", "/dashboard/export/type.xlsx", "/dashboard/kpis/new"]
)
def test_members_and_brokers_get_403(client, make_user, login, role, path):
    login(make_user(role))
    assert client.get(path).status_code == 403


def test_viewer_reads_everything_without_edit_controls(
    client, make_user, login, default_kpis, make_contract, db
):
    make_contract(status="registered", amount="1500000.00", signed_on="2025-03-15")
    login(make_user("viewer"))
    dashboard = client.get("/dashboard/?period=year&year=2025")
    assert dashboard.status_code == 200 and _testid(dashboard, "total-amount") == "150万元"

    kpis = client.get("/dashboard/kpis")
    assert kpis.status_code == 200
    page = _text(kpis)
    assert default_kpis[0].name in page
    for control in ("新增指标", "编辑", "删除", "/edit", "/delete", "填报新数值"):
        assert control not in page, control
    manual = _kpi("新增科技成果转化企业")
    entries = client.get(f"/dashboard/kpis/{manual.id}/entries")
    assert entries.status_code == 200 and "填报新数值" not in _text(entries)


def test_viewer_gets_403_on_every_kpi_change(client, make_user, login, default_kpis, db):
    login(make_user("viewer"))
    manual = _kpi("新增科技成果转化企业")
    assert client.get("/dashboard/kpis/new").status_code == 403
    assert client.post("/dashboard/kpis/new", data={"name": "x"}).status_code == 403
    assert client.get(f"/dashboard/kpis/{manual.id}/edit").status_code == 403
    assert client.post(f"/dashboard/kpis/{manual.id}/edit", data={"target_value": "1"}).status_code == 403
    assert client.post(f"/dashboard/kpis/{manual.id}/delete").status_code == 403
    assert (
        client.post(
            f"/dashboard/kpis/{manual.id}/entries", data={"value": "5", "as_of": "2025-01-01"}
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(Kpi, manual.id).target_value == "1500"
    assert db.session.scalar(select(func.count()).select_from(KpiEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(Kpi)) == len(default_kpis)


# ---- the KPI table -------------------------------------------------------------------------------------


def test_computed_contract_kpi_shows_the_registered_amount_in_yi(client, admin, default_kpis, make_contract):
    make_contract(status="registered", amount="150000000.00", signed_on="2026-03-15")
    make_contract(status="submitted", amount="990000000.00", signed_on="2026-03-16")
    kpi = _kpi("技术合同交易额（2026年，年度口径）")

    row = _kpi_row(client.get("/dashboard/kpis"), kpi.id)
    assert "1.5 亿元" in row  # 1.5亿元 of the 500亿元 target
    assert "500 亿元" in row and "自动计算" in row and "0.3%" in row


def test_admin_enters_a_value_for_a_manual_kpi(client, admin, default_kpis, db):
    kpi = _kpi("新增科技成果转化企业")
    before = _kpi_row(client.get("/dashboard/kpis"), kpi.id)
    assert "尚未填报" in before and "待填报" in before

    form = client.get(f"/dashboard/kpis/{kpi.id}/entries")
    assert form.status_code == 200 and "填报新数值" in _text(form)
    response = client.post(
        f"/dashboard/kpis/{kpi.id}/entries",
        data={"value": "321", "as_of": "2026-06-30", "note": "科技局季度统计"},
    )
    assert response.status_code == 302

    row = _kpi_row(client.get("/dashboard/kpis"), kpi.id)
    assert "321 家" in row and "截至 2026-06-30" in row and admin.display_name in row and "手工填报" in row
    history = _text(client.get(f"/dashboard/kpis/{kpi.id}/entries"))
    assert "科技局季度统计" in history and admin.display_name in history


def test_bad_manual_entries_show_chinese_messages_on_the_fields(client, admin, default_kpis, db):
    manual, computed = _kpi("新增科技成果转化企业"), _kpi("技术合同交易额（2026年，年度口径）")
    response = client.post(f"/dashboard/kpis/{manual.id}/entries", data={"value": "很多", "as_of": "明天"})
    assert response.status_code == 422
    page = _text(response)
    assert "填报值必须是数字" in page and "数据日期格式应为" in page
    assert 'id="value-error"' in response.get_data(as_text=True)

    response = client.post(
        f"/dashboard/kpis/{computed.id}/entries", data={"value": "1", "as_of": "2026-01-01"}
    )
    assert response.status_code == 422 and "自动计算" in _text(response)
    assert db.session.scalar(select(func.count()).select_from(KpiEntry)) == 0


def test_admin_adds_edits_and_deletes_a_kpi(client, admin, default_kpis, db):
    assert "新增指标" in _text(client.get("/dashboard/kpis"))
    assert client.get("/dashboard/kpis/new").status_code == 200
    data = {
        "name": "路演活动（2027年）",
        "unit": "场",
        "baseline_value": "",
        "baseline_year": "",
        "target_value": "40",
        "target_year": "2027",
        "start_year": "2027",
        "period_kind": "annual",
        "source": "测试方案",
        "metric": "",
    }
    bad = client.post("/dashboard/kpis/new", data={**data, "start_year": "2028", "target_value": "很多"})
    assert bad.status_code == 422
    assert "目标值必须是数字" in _text(bad)

    wrong_years = client.post("/dashboard/kpis/new", data={**data, "start_year": "2028"})
    assert wrong_years.status_code == 422 and "考核起始年份不能晚于目标年份" in _text(wrong_years)

    assert client.post("/dashboard/kpis/new", data=data).status_code == 302
    kpi = _kpi("路演活动（2027年）")
    assert kpi.target_value == "40" and kpi.metric is None
    assert "路演活动（2027年）" in _kpi_row(client.get("/dashboard/kpis"), kpi.id)

    edit = client.get(f"/dashboard/kpis/{kpi.id}/edit")
    assert edit.status_code == 200 and 'value="路演活动（2027年）"' in edit.get_data(as_text=True)
    assert (
        client.post(f"/dashboard/kpis/{kpi.id}/edit", data={**data, "target_value": "45"}).status_code == 302
    )
    assert "45 场" in _kpi_row(client.get("/dashboard/kpis"), kpi.id)

    listing = client.get("/dashboard/kpis").get_data(as_text=True)
    assert f'action="/dashboard/kpis/{kpi.id}/delete"' in listing and "data-confirm=" in listing
    assert client.post(f"/dashboard/kpis/{kpi.id}/delete").status_code == 302
    db.session.expire_all()
    assert _kpi("路演活动（2027年）") is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "kpi.delete")
        )
        == 1
    )
    assert client.get(f"/dashboard/kpis/{kpi.id}/edit").status_code == 404


def test_the_funnel_never_compares_contracts_with_deals_and_no_step_exceeds_the_one_before(
    client, admin, make_contract
):
    make_contract(status="registered", amount="100000.00", signed_on="2025-02-10")
    make_contract(status="submitted", amount="100000.00", signed_on="2025-02-11")
    page = _text(client.get("/dashboard/?period=year&year=2025"))
    funnel = page.split('id="funnel"')[1].split("</section>")[0]
    assert re.search(r"发起的对接</th>\s*<td[^>]*>0<", funnel)
    assert "%" not in funnel.split("<tbody>")[1].split("</tbody>")[0]  # nothing to compare with: no 500 %
    assert "本期签订并已登记的技术合同 1 项，其中经平台对接成交 0 项" in funnel


# ---- exports -------------------------------------------------------------------------------------------


def test_breakdown_downloads_as_csv_and_xlsx_with_chinese_file_names(client, admin, make_contract):
    make_contract(status="registered", amount="12345678.91", recognised="12345678.90", signed_on="2025-03-15")
    make_contract(
        status="registered", amount="0.01", contract_type="consulting", subtype="", signed_on="2025-04-15"
    )
    make_contract(status="submitted", amount="999.00", signed_on="2025-04-16")

    response = client.get("/dashboard/export/type.csv?period=year&year=2025")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert _filename(response) == "技术合同交易额-类型-2025年.csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["合同类型", "合同数（项）", "合同成交额（元）", "核定技术交易额（元）", "占成交额比例"]
    assert rows[1][:4] == ["技术转让", "1", "12345678.91", "12345678.90"]
    assert rows[2][:4] == ["技术咨询", "1", "0.01", "0.01"]
    assert len(rows) == 3

    response = client.get("/dashboard/export/type.xlsx?period=quarter&year=2025&quarter=2")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert _filename(response) == "技术合同交易额-类型-2025年第2季度.xlsx"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]][:3] == ["合同类型", "合同数（项）", "合同成交额（元）"]
    assert sheet["A2"].value == "技术咨询" and sheet["C2"].data_type == "n"
    assert Decimal(str(sheet["C2"].value)) == Decimal("0.01") and sheet.max_row == 2

    custom = client.get("/dashboard/export/month.xlsx?period=custom&from=2025-01-01&to=2025-06-30")
    assert _filename(custom) == "技术合同交易额-月份-2025-01-01至2025-06-30.xlsx"
    months = load_workbook(io.BytesIO(custom.get_data())).active
    assert [months.cell(r, 1).value for r in (2, 3)] == ["2025年3月", "2025年4月"]
    assert Decimal(str(months["C2"].value)) == Decimal("12345678.91")


def test_bad_export_requests_are_refused_cleanly(client, admin):
    assert client.get("/dashboard/export/colour.csv").status_code == 404
    assert client.get("/dashboard/export/type.pdf").status_code == 404
    assert client.get("/dashboard/export/type.csv?period=quarter&quarter=7").status_code == 422


def test_contract_list_export_has_every_column_and_exact_amounts(client, admin, make_contract, make_user):
    broker = make_user("broker")
    contract = make_contract(
        status="registered",
        amount="12345678.91",
        recognised="10000000.00",
        signed_on="2025-03-15",
        broker_id=broker.id,
        buyer_province="江苏省",
    )
    response = client.get("/dashboard/contracts.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert _filename(response) == f"技术合同列表-{today_in_beijing().isoformat()}.xlsx"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]] == [
        "合同编号",
        "登记编号",
        "合同名称",
        "合同类型",
        "标的类型",
        "卖方",
        "买方",
        "技术经纪人",
        "合同金额（元）",
        "核定技术交易额（元）",
        "支付方式",
        "签订日期",
        "技术领域",
        "卖方区域",
        "买方省份",
        "状态",
    ]
    row = [c.value for c in sheet[2]]
    assert row[0] == "HT-2026-001" and row[1] == contract.registration_number and row[3] == "技术转让"
    assert row[4] == "专利权" and row[5] == contract.seller.name and row[7] == broker.display_name
    assert Decimal(str(row[8])) == Decimal("12345678.91") and Decimal(str(row[9])) == Decimal("10000000")
    assert row[11].date() == date(2025, 3, 15) and row[14] == "江苏省" and row[15] == "已登记"


def test_contract_list_export_of_a_member_holds_only_their_contracts(client, make_user, login, make_contract):
    member = make_user("university")
    mine = make_contract(seller=member.organisation, title="本校的合同", status="submitted")
    make_contract(title="别人的合同", status="registered", signed_on="2025-01-02")
    bought = make_contract(buyer=member.organisation, title="本校购买的合同", status="registered")
    login(member)

    response = client.get("/dashboard/contracts.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert _filename(response).startswith("技术合同列表-") and _filename(response).endswith(".csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert sorted(r[2] for r in rows[1:]) == sorted([mine.title, bought.title])

    filtered = client.get("/dashboard/contracts.csv?status=submitted")
    titles = [r[2] for r in csv.reader(io.StringIO(filtered.get_data().decode("utf-8-sig")))][1:]
    assert titles == ["本校的合同"]


def test_viewer_list_export_holds_registered_contracts_only(client, make_user, login, make_contract):
    make_contract(title="已登记的合同", status="registered")
    make_contract(title="待登记的合同", status="submitted")
    login(make_user("viewer"))
    rows = list(
        csv.reader(io.StringIO(client.get("/dashboard/contracts.csv").get_data().decode("utf-8-sig")))
    )
    assert [r[2] for r in rows[1:]] == ["已登记的合同"]


# ---- demo data -----------------------------------------------------------------------------------------


def test_demo_contracts_fill_the_dashboard_and_load_once(app, client, db, login, monkeypatch):
    from werkzeug.security import generate_password_hash

    from market.models.contract import Contract
    from market.money import format_fen
    from market.services import accounts
    from seed import ADMIN_EMAIL, DEMO_PASSWORD, load_demo_data
    from seed.contracts import CONTRACTS, load_demo_contracts

    monkeypatch.setattr(
        accounts,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )
    from market.models.challenge_application import ChallengeApplication

    load_demo_data(progress=lambda text: None)
    # the register's demo contracts; the demo 揭榜挂帅 selections drafted theirs beside them (seed/challenges)
    drafted = select(ChallengeApplication.contract_id).where(ChallengeApplication.contract_id.is_not(None))
    rows = list(db.session.scalars(select(Contract).where(Contract.id.not_in(drafted))))
    assert len(rows) == len(CONTRACTS) >= 60
    registered = [c for c in rows if c.status == "registered"]
    assert {c.status for c in rows} == {"registered", "submitted", "returned", "draft"}
    assert len(registered) >= 50 and all(c.recognised_fen <= c.amount_fen for c in registered)
    assert {c.contract_type for c in rows} == {"development", "transfer", "licence", "consulting", "service"}
    assert {c.seller_kind for c in registered} >= {"university", "institute", "enterprise"}
    assert {c.signed_on.year for c in registered} == {2024, 2025, 2026}
    assert any(c.buyer_province != "陕西省" for c in registered)
    assert any(c.amount_fen % 100 for c in registered)  # amounts to the fen
    assert (
        load_demo_contracts(progress=lambda text: None) == 0
        and load_demo_data(progress=lambda text: None) == 0
    )

    login(accounts.authenticate(ADMIN_EMAIL, DEMO_PASSWORD), password=DEMO_PASSWORD)
    response = client.get("/dashboard/?period=year&year=2025")
    expected = sum(c.amount_fen for c in registered if c.signed_on.year == 2025)
    assert _testid(response, "total-count") == str(sum(1 for c in registered if c.signed_on.year == 2025))
    assert _testid(response, "total-amount") == format_fen(expected)
    assert _testid(response, "yoy").startswith("+")
    assert "省外" in _text(response) and "科研院所" in _text(response)


def test_the_dashboard_sums_up_instrument_sharing_for_the_period(client, admin, make_user, make_listing):
    from datetime import datetime, time, timedelta

    from market.services import bookings
    from tests.conftest import EQUIPMENT

    owner, user = make_user("university"), make_user("enterprise")
    instrument = make_listing("equipment", owner, **EQUIPMENT)
    bookings.set_booking_rules(
        owner, instrument.id, {"opening_hours": {str(d): [["09:00", "17:00"]] for d in range(7)}}
    )
    day = today_in_beijing() + timedelta(days=2)
    start = datetime.combine(day, time(15, 0))
    booking = bookings.request_booking(
        user,
        instrument.id,
        {
            "kind": "slot",
            "purpose": "形貌观察",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "fee_item_id": instrument.fee_items[0].id,
        },
    )
    bookings.decide_booking(owner, booking.id, "approve")
    bookings.complete_booking(owner, booking.id, {"actual_minutes": 120})
    page = client.get(f"/dashboard/?from={today_in_beijing().isoformat()}&to={day.isoformat()}&period=custom")
    assert _testid(page, "sharing-instruments") == "1 台"
    assert _testid(page, "sharing-bookings") == "1 次，2.0 小时"
    assert _testid(page, "sharing-revenue") == "600元"  # 2 hours at 300 元/小时, charged today
