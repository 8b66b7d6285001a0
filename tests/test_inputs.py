"""Input declarations (market/inputs): what a person types is read, or refused with a message naming the
field."""

from datetime import date

import pytest

from market.errors import ValidationFailed
from market.inputs import (
    Boolean,
    Choice,
    Date,
    InputSchema,
    Integer,
    Money,
    Number,
    Object,
    Quantity,
    RowId,
    Text,
    TextList,
    Url,
)
from market.inputs.kpis import KpiEntryIn, KpiIn


class Sample(InputSchema):
    title = Text("标题", required=True, max_len=10)
    summary = Text("简介", max_len=50, multiline=True)
    kind = Choice("类型", ("a", "b"), required=True, synonyms={"甲": "a"})
    year = Integer("年份", low=1990, high=2100)
    open = Boolean("开放")
    day = Date("日期")
    price = Money("价格")
    amount = Quantity("数量")


def errors_of(data, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        Sample.clean(data, **kwargs)
    return refused.value.fields


def test_typed_values_come_back_trimmed_and_converted():
    values = Sample.clean(
        {
            "title": "  锂电池\t回收 ",
            "summary": "第一行\n第二行",
            "kind": "甲",
            "year": " 2026 ",
            "open": "是",
            "day": "2026/12/31",
            "price": "100000",
            "amount": "1,200.5",
        }
    )
    assert values == {
        "title": "锂电池 回收",
        "summary": "第一行\n第二行",
        "kind": "a",
        "year": 2026,
        "open": True,
        "day": date(2026, 12, 31),
        "price": 100_000_00,
        "amount": "1200.5",
    }


def test_fields_not_sent_are_empty_and_required_ones_are_asked_for():
    assert errors_of({}) == {"title": "请填写标题", "kind": "请选择类型"}
    values = Sample.clean({"title": "题", "kind": "b"})
    assert values["summary"] is None and values["year"] is None and values["open"] is False
    assert values["price"] is None and values["amount"] is None and values["day"] is None


def test_an_update_reads_only_the_fields_sent():
    assert Sample.clean({"year": "2030"}, partial=True) == {"year": 2030}
    assert errors_of({"title": "  "}, partial=True) == {"title": "请填写标题"}
    assert errors_of({"kind": None}, partial=True) == {"kind": "请选择类型"}


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"title": "一二三四五六七八九十一"}, "title", "标题不能超过10个字（现有11个字）"),
        ({"title": "<b>粗</b>"}, "title", "标题不能包含HTML标签（如需尖括号请用全角“＜＞”）"),
        ({"title": "a\x00b"}, "title", "标题不能包含空字符（NUL）"),
        ({"title": ["列表"]}, "title", "标题必须是文字"),
        ({"kind": "c"}, "kind", "类型“c”无效，可选：a、b"),
        ({"kind": 3}, "kind", "类型必须是文字"),
        ({"year": "二〇二六"}, "year", "年份必须是整数"),
        ({"year": True}, "year", "年份必须是整数"),
        ({"year": 1800}, "year", "年份应在1990到2100之间"),
        ({"open": "也许"}, "open", "开放必须是是/否（true 或 false）"),
        ({"open": 2}, "open", "开放必须是是/否"),
        ({"day": "12/31"}, "day", "日期格式应为 年-月-日，例如 2026-12-31"),
        ({"amount": "很多"}, "amount", "数量必须是数字，例如 230 或 12.5"),
        ({"amount": "-1"}, "amount", "数量必须是不小于0的数字"),
        ({"amount": "1.00001"}, "amount", "数量最多保留四位小数"),
        ({"amount": "2e12"}, "amount", "数量不能超过1万亿"),
    ],
)
def test_wrong_input_is_refused_with_a_message_naming_the_field(data, field, message):
    assert errors_of({"title": "题", "kind": "a", **data})[field] == message


def test_a_wrong_amount_of_money_says_what_is_wrong():
    message = errors_of({"title": "题", "kind": "a", "price": "abc"})["price"]
    assert message.startswith("价格：")


def test_the_kpi_inputs_carry_the_rules_the_service_used_to_write_out():
    with pytest.raises(ValidationFailed) as refused:
        KpiIn.clean(
            {
                "name": "",
                "unit": "亿元",
                "target_value": "x",
                "target_year": 2026,
                "start_year": 2024,
                "period_kind": "每月",
                "source": "三年行动计划",
            }
        )
    assert refused.value.fields == {
        "name": "请填写指标名称",
        "target_value": "目标值必须是数字，例如 230 或 12.5",
        "period_kind": "考核方式“每月”无效，可选：annual、cumulative",
    }
    values = KpiIn.clean(
        {
            "name": "技术合同交易额",
            "unit": "亿元",
            "target_value": 500,
            "target_year": "2026",
            "start_year": 2024,
            "period_kind": "累计",
            "source": "三年行动计划",
        }
    )
    assert values["period_kind"] == "cumulative" and values["target_value"] == "500"
    assert KpiEntryIn.clean({"value": "12.50", "as_of": "2026-12-01"})["value"] == "12.5"


def test_a_page_form_is_generated_from_the_declaration_with_its_labels_hints_and_widgets(app):
    from market.forms.kpis import KpiEntryForm, KpiForm

    with app.test_request_context():
        form = KpiForm(meta={"csrf": False})
        entry = KpiEntryForm(meta={"csrf": False})
    names = [name for name in form._fields if name != "csrf_token"]
    assert names == list(KpiIn._declared_fields)
    assert form.name.label.text == "指标名称" and form.name.description == "如：技术合同交易额（2026年）"
    assert form.period_kind.choices == [("", "请选择"), ("annual", "年度"), ("cumulative", "累计")]
    assert entry.as_of.render_kw == {"type": "date"} and entry.note.type == "TextAreaField"
    assert form.target_year.render_kw == {"inputmode": "numeric"}


# ---- lists, addresses, ids, numbers, objects --------------------------------------------------------------


class More(InputSchema):
    tags = TextList("标签", max_items=3, max_len=4, synonyms={"AI": "人工智能"})
    kinds = TextList("类型", choices=("甲", "乙"), allow_none=False)
    link = Url("链接")
    listing = RowId("成果", unknown="该成果不存在")
    score = Number("匹配度", low=0, high=1)
    query = Object("条件", example='{"q": "电池"}')


def more_errors(data, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        More.clean(data, **kwargs)
    return refused.value.fields


def test_lists_ids_numbers_and_objects_are_read_as_people_and_clients_send_them():
    values = More.clean(
        {
            "tags": "电池，AI、 电池\n回收",
            "kinds": ["乙", ""],
            "link": " https://www.gov.cn/zhengce ",
            "listing": " 12 ",
            "score": "0.8",
            "query": {"q": "电池"},
        }
    )
    assert values == {
        "tags": ["电池", "人工智能", "回收"],
        "kinds": ["乙"],
        "link": "https://www.gov.cn/zhengce",
        "listing": 12,
        "score": 0.8,
        "query": {"q": "电池"},
    }
    assert More.clean({"listing": 7.0, "score": 1})["listing"] == 7
    empty = More.clean({"tags": None, "link": "", "listing": "", "score": ""})
    assert empty == {"tags": [], "link": None, "listing": None, "score": None, "query": None}
    assert More.clean({"kinds": None}, partial=True) == {"kinds": []}  # not nullable for the API only


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"tags": "一、二、三、四"}, "tags", "标签最多3项"),
        ({"tags": ["五个字的词"]}, "tags", "标签中的每一项不能超过4个字"),
        ({"tags": ["<b>"]}, "tags", "标签不能包含HTML标签"),
        ({"tags": [1]}, "tags", "标签必须是文字列表"),
        ({"tags": {"a": "b"}}, "tags", "标签必须是文字列表"),
        ({"tags": ["a\x00"]}, "tags", "标签不能包含空字符（NUL）"),
        ({"kinds": "丙"}, "kinds", "类型“丙”无效，可选：甲、乙"),
        ({"link": "www.gov.cn"}, "link", "链接应为以 http:// 或 https:// 开头的网址"),
        ({"link": "https://localhost"}, "link", "链接应为以 http:// 或 https:// 开头的网址"),
        ({"listing": "十二"}, "listing", "该成果不存在"),
        ({"listing": 0}, "listing", "该成果不存在"),
        ({"listing": True}, "listing", "该成果不存在"),
        ({"listing": 2.5}, "listing", "该成果不存在"),
        ({"listing": 2**31}, "listing", "该成果不存在"),
        ({"score": "高"}, "score", "匹配度必须是数字"),
        ({"score": True}, "score", "匹配度必须是数字"),
        ({"score": "nan"}, "score", "匹配度必须是数字"),
        ({"score": 3}, "score", "匹配度应在0到1之间"),
        ({"query": "q=电池"}, "query", '条件必须是对象（如 {"q": "电池"}）'),
    ],
)
def test_wrong_lists_ids_numbers_and_objects_are_refused_naming_the_field(data, field, message):
    assert more_errors(data)[field] == message


class Update(InputSchema):
    updates = True

    name = Text("名称", required=True, max_len=10)
    active = Boolean("是否启用", allow_none=False)


class Answer(InputSchema):
    notify = Boolean("是否通知", required=True)
    body = Text("留言", required=True, may_be_empty=True)


def test_an_update_reads_what_is_sent_and_a_required_field_may_not_be_emptied():
    assert Update.clean({}) == {}
    assert Update.clean({"active": "0"}) == {"active": False}
    with pytest.raises(ValidationFailed) as refused:
        Update.clean({"name": "", "active": None})
    assert refused.value.fields == {"name": "请填写名称", "active": "请选择是否启用（true 或 false）"}


def test_a_required_yes_or_no_must_be_given_and_a_field_may_be_documented_required_yet_empty():
    with pytest.raises(ValidationFailed) as refused:
        Answer.clean({})
    assert refused.value.fields == {"notify": "请选择是否通知（true 或 false）"}
    assert Answer.clean({"notify": ""}) == {"notify": False, "body": None}
    assert Answer.clean({"notify": "是", "body": None}) == {"notify": True, "body": None}


def test_a_service_can_collect_the_messages_and_add_its_own():
    errors = {"listing": "该成果已下架"}
    values = More.clean({"listing": "x", "score": "0.5", "link": "ftp://x"}, errors=errors)
    assert errors == {"listing": "该成果已下架", "link": "链接应为以 http:// 或 https:// 开头的网址"}
    assert values["score"] == 0.5 and "link" not in values


def test_the_document_shows_updates_without_required_fields_and_refuses_unknown_ones(app):
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec(title="t", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Update", schema=Update)
    spec.components.schema("Answer", schema=Answer)
    schemas = spec.to_dict()["components"]["schemas"]
    assert "required" not in schemas["Update"] and schemas["Update"]["additionalProperties"] is False
    assert schemas["Answer"]["required"] == ["body", "notify"]
    assert schemas["Answer"]["properties"]["body"].get("nullable") is None


# ---- BeijingTime (bookings) ------------------------------------------------------------------------------


def test_a_beijing_time_is_read_as_a_utc_moment():
    from datetime import datetime, timezone

    from market.clock import BEIJING
    from market.inputs import BeijingTime

    class Period(InputSchema):
        starts_at = BeijingTime("开始时间", required=True)
        ends_at = BeijingTime("结束时间", allow_none=False)

    utc = datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)
    assert Period.clean({"starts_at": " 2026-12-03 09:00 "}) == {"starts_at": utc}
    assert Period.clean({"starts_at": "2026-12-03T10:00+09:00", "ends_at": ""})["starts_at"] == utc
    assert Period.clean({"starts_at": datetime(2026, 12, 3, 9, 0)})["starts_at"] == utc
    assert Period.clean({"starts_at": datetime(2026, 12, 3, 9, tzinfo=BEIJING)})["starts_at"] == utc
    assert Period.clean({"starts_at": "2026-12-03T09:00", "ends_at": None}) == {
        "starts_at": utc,
        "ends_at": None,
    }
    with pytest.raises(ValidationFailed) as refused:
        Period.clean({"starts_at": " ", "ends_at": "明天上午"})
    assert refused.value.fields == {
        "starts_at": "请填写开始时间",
        "ends_at": "结束时间格式应为 年-月-日T时:分，例如 2026-12-03T09:00",
    }


def test_opening_hours_are_half_hours_by_weekday_without_overlaps():
    from market.inputs.bookings import BookingRulesIn

    hours = {"0": [["14:00", "17:30"], [" 09:00", "12:00"]], "6": [], "5": [["20:00", "24:00"]]}
    assert BookingRulesIn.clean({"opening_hours": hours}) == {
        "opening_hours": {"0": [["09:00", "12:00"], ["14:00", "17:30"]], "5": [["20:00", "24:00"]]}
    }
    assert BookingRulesIn.clean({}) == {}
    for wrong, message in [
        (None, "开放时间格式不正确"),
        ({"7": []}, "开放时间须按周一（0）到周日（6）填写"),
        ({"0": [["09:00"]]}, '每段开放时间须为 [开始, 结束]，例如 ["09:00", "17:00"]'),
        ({"0": [["九点", "12:00"]]}, "时间“九点–12:00”格式应为 时:分"),
        ({"0": [["09:15", "12:00"]]}, "开放时间“09:15–12:00”须为整点或半点，且结束晚于开始"),
        ({"0": [["09:00", "12:00"], ["11:00", "13:00"]]}, "同一天的开放时间段不能重叠"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            BookingRulesIn.clean({"opening_hours": wrong})
        assert refused.value.fields == {"opening_hours": message}


def test_a_correction_reads_only_the_fields_sent_but_always_needs_its_reason(app):
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    from market.inputs.contracts import ContractCorrectionIn

    assert ContractCorrectionIn.clean({"reason": "补充协议", "amount": "12.5"}) == {
        "reason": "补充协议",
        "amount_fen": 1250,
    }
    with pytest.raises(ValidationFailed) as refused:
        ContractCorrectionIn.clean({"title": " ", "recognised_amount": ""})
    assert refused.value.fields == {
        "reason": "请填写更正原因",
        "title": "请填写合同名称",
        "recognised_amount": "请填写核定技术交易额",
    }
    spec = APISpec(title="t", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("ContractCorrectionIn", schema=ContractCorrectionIn)
    assert spec.to_dict()["components"]["schemas"]["ContractCorrectionIn"]["required"] == ["reason"]


# ---- issue 17, accounts, organisations and listings: the field kinds they added ----------------------


def test_a_credit_code_is_read_as_typed_and_its_check_character_verified():
    from market.inputs import CreditCode
    from market.services.codes import credit_code_with_check

    class Org(InputSchema):
        code = CreditCode("统一社会信用代码", required=True)
        other = CreditCode("统一社会信用代码", allow_none=True)

    code = credit_code_with_check("91610000MA0000001")
    typed = "９１６１ 0000-" + code[8:].lower()
    assert Org.clean({"code": typed, "other": ""}) == {"code": code, "other": None}
    for value, message in [
        ("", "请填写统一社会信用代码"),
        (None, "请填写统一社会信用代码"),
        (12, "统一社会信用代码必须是文字"),
        ("9161", "统一社会信用代码应为18位"),
        ("9161000OMA0000001X", "统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）"),
        (code[:17] + ("0" if code[17] != "0" else "1"), "统一社会信用代码校验位不正确，请核对"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            Org.clean({"code": value})
        assert refused.value.fields == {"code": message}, value


def test_an_email_is_trimmed_and_lower_cased_and_checked_unless_only_read():
    from market.inputs import Email

    class Mail(InputSchema):
        email = Email("邮箱", required=True)
        login = Email("邮箱", checked=False, allow_none=False)

    assert Mail.clean({"email": " A@Example.COM ", "login": " Not An Address "}) == {
        "email": "a@example.com",
        "login": "not an address",
    }
    for value, message in [
        ("  ", "请填写邮箱"),
        (7, "请填写邮箱"),
        ("not-an-address", "邮箱格式不正确"),
        ("a" * 250 + "@x.cn", "邮箱过长"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            Mail.clean({"email": value})
        assert refused.value.fields == {"email": message}, value


def test_a_password_is_read_exactly_as_typed_and_anything_else_reads_as_empty():
    from market.inputs import Password

    class Secret(InputSchema):
        password = Password("密码", required=True)
        new = Password("新密码", required=True, may_be_empty=True)

    assert Secret.clean({"password": " x Y ", "new": 12}) == {"password": " x Y ", "new": None}
    for value in ("", None, 12, ["x"]):
        with pytest.raises(ValidationFailed) as refused:
            Secret.clean({"password": value, "new": ""})
        assert refused.value.fields == {"password": "请填写密码"}


def test_listing_fields_read_a_trl_as_maturity_and_fee_rows_with_their_number():
    from market.inputs.listings import AchievementIn, EquipmentIn

    values = AchievementIn.clean({"title": "t", "summary": "s", "field": " 新材料 ", "maturity": " 6 "})
    assert values["maturity"] == 6 and values["field"] == "新材料"
    assert AchievementIn.clean({"maturity": "实验室", "form": "其他应用技术 计算机软件"}, partial=True) == {
        "maturity": "实验室",
        "form": "软件著作权",
    }
    fees = [{}, {"id": 3, "label": "测试", "unit": "面议"}, {"label": "x", "unit": "元/样"}]
    with pytest.raises(ValidationFailed) as refused:
        EquipmentIn.clean({"fee_items": fees, "contact_email": "a b@c", "maturity": "x"}, partial=True)
    assert refused.value.fields == {
        "fee_items": "第3项：请填写价格，或将计费单位选为“面议”",
        "contact_email": "联系邮箱格式不正确",
    }
    assert EquipmentIn.clean({"fee_items": fees[:2]}, partial=True)["fee_items"] == [
        {"label": "测试", "unit": "面议", "price_fen": None, "internal_price_fen": None, "note": None}
    ]
