"""What a valid achievement, demand or instrument looks like: input → column values."""

from datetime import date

from market.models.vocab import (
    ACHIEVEMENT_FORMS,
    ACHIEVEMENT_TRANSFER_SYNONYMS,
    COOPERATION_MODES,
    EQUIPMENT_CATEGORIES,
    FEE_UNITS,
    FORM_SYNONYMS,
    MATURITY_STAGES,
    OTHER_APPLIED,
    STAGE_SYNONYMS,
    STAGE_TRL,
    TRANSFER_MODES,
)
from market.services.codes import normalise_patent_number, patent_number_error
from market.services.taxonomy import find_field
from market.services.text import Cleaner

MAX_FEE_ITEMS = 20
CONFIDENTIAL_MAX_CHARS = 5000


def _contact(cleaner: Cleaner) -> None:
    cleaner.text("contact_name", "联系人", max_len=60)
    cleaner.text("contact_phone", "联系电话", max_len=30)
    cleaner.text("contact_email", "联系邮箱", max_len=254)
    email = cleaner.values.get("contact_email")
    if email and ("@" not in email or " " in email):
        cleaner.values.pop("contact_email")
        cleaner.fail("contact_email", "联系邮箱格式不正确")


def _field(cleaner: Cleaner, required: bool = True) -> None:
    if not cleaner.present("field"):
        return
    name = cleaner.data.get("field")
    if name is None or (isinstance(name, str) and not name.strip()):
        if required:
            cleaner.fail("field", "请选择技术领域")
        else:
            cleaner.values["field_id"] = None
        return
    # A NUL byte can never name a field, and PostgreSQL refuses it even in a query.
    field = find_field(name.strip()) if isinstance(name, str) and "\x00" not in name else None
    if field is None:
        cleaner.fail("field", "技术领域不存在，请从列表中选择")
    else:
        cleaner.values["field_id"] = field.id


def _maturity(cleaner: Cleaner) -> None:
    """Accept a stage label, a synonym people write, or a TRL number; store both."""
    if cleaner.present("trl"):
        cleaner.integer("trl", "技术成熟度等级(TRL)", low=1, high=9)
    if not cleaner.present("maturity"):
        return
    raw = cleaner.data.get("maturity")
    if isinstance(raw, int) and not isinstance(raw, bool) or (isinstance(raw, str) and raw.strip().isdigit()):
        cleaner.integer("maturity", "技术成熟度", low=1, high=9, attr="trl")
        trl = cleaner.values.get("trl")
        if trl:
            cleaner.values["maturity"] = next(s for s, (lo, hi) in STAGE_TRL.items() if lo <= trl <= hi)
        return
    cleaner.choice("maturity", "成熟度", MATURITY_STAGES, synonyms=STAGE_SYNONYMS)
    stage, trl = cleaner.values.get("maturity"), cleaner.values.get("trl")
    if stage and trl and not STAGE_TRL[stage][0] <= trl <= STAGE_TRL[stage][1]:
        lo, hi = STAGE_TRL[stage]
        cleaner.fail("trl", f"“{stage}”阶段对应 TRL {lo}–{hi}")


def _form(cleaner: Cleaner) -> None:
    """Accept our forms and the registration-form terms people copy, e.g. "其他应用技术 计算机软件"."""
    raw = cleaner.data.get("form")
    if isinstance(raw, str) and raw.strip().startswith(OTHER_APPLIED):
        rest = raw.strip()[len(OTHER_APPLIED) :].strip()
        form = FORM_SYNONYMS.get(rest, rest)
        cleaner.data = {**cleaner.data, "form": form if form in ACHIEVEMENT_FORMS else "其他"}
    cleaner.choice("form", "成果形式", ACHIEVEMENT_FORMS, synonyms=FORM_SYNONYMS)


def clean_achievement(data: dict, partial: bool = False) -> dict:
    """Column values of an achievement, or ValidationFailed."""
    c = Cleaner(data, partial)
    c.text("title", "成果名称", required=True, max_len=200)
    c.text("summary", "成果简介", required=True, max_len=20000, multiline=True)
    _field(c)
    c.text_list("keywords", "关键词", max_items=20, max_len=30)
    _maturity(c)
    _form(c)
    c.text_list(
        "patent_numbers",
        "专利号",
        max_items=50,
        max_len=40,
        normalise=normalise_patent_number,
        item_error=patent_number_error,
    )
    c.text_list("transfer_modes", "转化方式", choices=TRANSFER_MODES, synonyms=ACHIEVEMENT_TRANSFER_SYNONYMS)
    c.money("price_yuan", "意向价格", attr="price_fen")
    _contact(c)
    # Shown only to the owner, admins and the parties of a deal on this result who accepted its NDA.
    c.text("confidential_details", "保密信息", max_len=CONFIDENTIAL_MAX_CHARS, multiline=True)
    if "confidential_details" in c.values and c.values["confidential_details"] is None:
        c.values["confidential_details"] = ""
    return c.done()


def clean_demand(data: dict, partial: bool = False, today: date | None = None) -> dict:
    """Column values of a demand, or ValidationFailed."""
    c = Cleaner(data, partial)
    c.text("title", "需求名称", required=True, max_len=200)
    c.text("description", "需求描述", required=True, max_len=20000, multiline=True)
    _field(c)
    c.money("budget_min_yuan", "预算下限", attr="budget_min_fen")
    c.money("budget_max_yuan", "预算上限", attr="budget_max_fen")
    low, high = c.values.get("budget_min_fen"), c.values.get("budget_max_fen")
    if low is not None and high is not None and low > high:
        c.fail("budget_max_yuan", "预算上限不能低于预算下限")
    c.date("deadline", "截止日期")
    deadline = c.values.get("deadline")
    if deadline and today and deadline < today:
        c.fail("deadline", "截止日期不能早于今天")
    c.choice("cooperation_mode", "合作方式", COOPERATION_MODES)
    c.boolean("open_call", "揭榜挂帅")
    c.money("reward_yuan", "揭榜奖励", attr="reward_fen")
    if c.values.get("reward_fen") and not c.values.get("open_call", data.get("open_call")):
        c.fail("reward_yuan", "只有揭榜挂帅需求可以设置揭榜奖励")
    _contact(c)
    return c.done()


def _fee_items(c: Cleaner) -> None:
    if not c.present("fee_items"):
        return
    raw = c.data.get("fee_items") or []
    if not isinstance(raw, list) or any(not isinstance(item, dict) for item in raw):
        return c.fail("fee_items", "收费标准格式不正确")
    if len(raw) > MAX_FEE_ITEMS:
        return c.fail("fee_items", f"收费项目最多{MAX_FEE_ITEMS}项")
    items = []
    for number, item in enumerate(raw, start=1):
        if not any(str(v or "").strip() for v in item.values()):
            continue  # an empty row from the form
        row = Cleaner(item)
        row.text("label", "收费项目", required=True, max_len=100)
        row.choice("unit", "计费单位", FEE_UNITS, required=True)
        row.money("price_yuan", "价格", attr="price_fen")
        row.money("internal_price_yuan", "内部价格", attr="internal_price_fen")
        row.text("note", "备注", max_len=200)
        if row.values.get("unit") and row.values["unit"] != "面议" and row.values.get("price_fen") is None:
            row.fail("price_yuan", "请填写价格，或将计费单位选为“面议”")
        if row.errors:
            return c.fail("fee_items", f"第{number}项：" + "；".join(row.errors.values()))
        items.append(row.values)
    c.values["fee_items"] = items


def clean_equipment(data: dict, partial: bool = False) -> dict:
    """Column values of an instrument (fee items as a list of dicts), or ValidationFailed."""
    c = Cleaner(data, partial)
    c.text("name", "仪器名称", required=True, max_len=200)
    c.text("model", "型号", max_len=100)
    c.choice("category", "仪器类别", EQUIPMENT_CATEGORIES, required=True)
    _field(c, required=False)
    c.text("location", "放置地点", max_len=200)
    c.boolean("open_for_booking", "开放预约", default=True)
    c.text("description", "仪器介绍", max_len=20000, multiline=True)
    if "description" in c.values and c.values["description"] is None:
        c.values["description"] = ""
    _fee_items(c)
    _contact(c)
    return c.done()


CLEANERS = {"achievement": clean_achievement, "demand": clean_demand, "equipment": clean_equipment}
