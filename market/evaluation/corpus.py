"""How records from other markets' listings (../shared/data/corpus format) become our listings' fields.

Used by the matching evaluation and by the corpus import test; pure functions of one record.
"""

import re
from decimal import Decimal

from market.models.vocab import DEFAULT_FIELDS

# The sources' industry names filed under the platform's technical fields.
FIELD_ALIASES = {
    "先进制造": "高端装备",
    "智能装备制造": "高端装备",
    "工程自动化": "高端装备",
    "机械仪表": "高端装备",
    "新能源材料": "新能源与节能",
    "节能环保": "环境保护",
    "环境保护、生态建设及污染防治": "环境保护",
    "复合材料": "新材料",
    "化学化工": "新材料",
    "生物医药与医疗器械": "生物医药",
    "生物医药及健康": "生物医药",
    "医疗器械": "生物医药",
    "生物技术": "生物医药",
    "农业": "现代农业",
    "农林牧渔业发展": "现代农业",
    "互联网": "电子信息",
    "太阳能": "新能源与节能",
}
FEE_UNITS = {
    "样": "元/样",
    "样品": "元/样",
    "小时": "元/小时",
    "h": "元/小时",
    "时": "元/小时",
    "天": "元/天",
    "次": "元/次",
}
FEE_PRICE = re.compile(r"(\d+(?:\.\d+)?)元/(样品|样|小时|h|时|天|次)(?![\w/])")


def field_name(name) -> str:
    name = FIELD_ALIASES.get(name, name)
    return name if name in DEFAULT_FIELDS else "其他"


def achievement_from(record: dict) -> dict:
    body = {
        "title": record["title"],
        "summary": record.get("abstract") or record["title"],
        "field": field_name(record.get("field")),
        "keywords": record.get("keywords") or [],
        "patent_numbers": record.get("patent_numbers") or [],
    }
    for source, target in (
        ("maturity_stage", "maturity"),
        ("achievement_form", "form"),
        ("transfer_method", "transfer_modes"),
        ("price", "price_yuan"),
    ):
        if record.get(source) is not None:
            body[target] = str(record[source]) if target == "price_yuan" else record[source]
    if isinstance(
        body.get("transfer_modes"), str
    ):  # "技术许可;技术入股": the API takes a list, as documented
        body["transfer_modes"] = [
            mode for mode in re.split(r"[,，;；、]+", body["transfer_modes"]) if mode.strip()
        ]
    return body


def budget_in_yuan(text) -> tuple:
    """'10~50万' → ('100000', '500000'); '>200万' → ('2000000', None); '<1万' → (None, '10000')."""
    if not text:
        return None, None
    wan = [str(Decimal(n) * 10000) for n in re.findall(r"\d+(?:\.\d+)?", text)]
    if "~" in text and len(wan) == 2:
        return wan[0], wan[1]
    if text.startswith(">") and wan:
        return wan[0], None
    if text.startswith("<") and wan:
        return None, wan[0]
    return None, None


def demand_from(record: dict) -> dict:
    low, high = budget_in_yuan(record.get("budget"))
    return {
        "title": record["title"],
        "description": record.get("description") or record["title"],
        "field": field_name(record.get("industry") or record.get("field")),
        "budget_min_yuan": low,
        "budget_max_yuan": high,
    }


def fee_item_from(text: str) -> dict:
    """One plain price with a known unit becomes a priced item (the higher, external price); anything else
    面议."""
    prices = FEE_PRICE.findall(text)
    if prices and len({unit for _, unit in prices}) == 1 and len(prices) <= 2:
        amounts = sorted(Decimal(amount) for amount, _ in prices)
        label = re.split(r"[\s\d]", text, maxsplit=1)[0] or "收费"
        return {
            "label": label[:100],
            "unit": FEE_UNITS[prices[0][1]],
            "price_yuan": str(amounts[-1]),
            "internal_price_yuan": str(amounts[0]) if len(amounts) == 2 else None,
            "note": text[:200],
        }
    return {"label": text[:100], "unit": "面议"}


def equipment_from(record: dict) -> dict:
    name = record["name"]
    category = (
        "分析测试" if re.search(r"谱|衍射|核磁|测试|测量", name) else "光学仪器" if "显微" in name else "其他"
    )
    return {
        "name": name,
        "model": record.get("model"),
        "category": category,
        "location": record.get("institution"),
        "fee_items": [fee_item_from(t) for t in record.get("fee_items") or []],
    }


def organisation_kind(name: str) -> str:
    """A holder's kind from its name: 大学/学院 → university, 研究院/所 → institute, else enterprise."""
    if re.search(r"大学|学院", name or ""):
        return "university"
    if re.search(r"研究院|研究所|科学院|研究中心", name or ""):
        return "institute"
    return "enterprise"
