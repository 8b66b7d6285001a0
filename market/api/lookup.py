"""Pick by typing over JSON: a related result, demand, deal, organisation or broker by its name or number."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import actor
from market.api.docs import object_of, operation, query_params
from market.services import lookup

LOOKUP_ITEMS = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "org", "label", "detail"],
                "properties": {
                    "id": {"type": "integer", "description": "编号（表单中填写的值）"},
                    "title": {"type": "string", "description": "名称（未转义的文字，显示时请转义）"},
                    "org": {
                        "type": "string",
                        "description": "所属单位（对接：卖方单位；机构：其本身；经纪人：其单位，可为空）",
                    },
                    "label": {"type": "string", "description": "选中后在表单中显示的名称，如“标题（单位）”"},
                    "detail": {
                        "type": "string",
                        "description": "候选列表中的说明文字（单位、类型、地区、编号）",
                    },
                    "kind": {"type": "string", "description": "仅机构：机构类型代码（university 等）"},
                    "kind_label": {"type": "string", "description": "仅机构：机构类型（高校、企业等）"},
                    "region": {"type": "string", "description": "仅机构：所在区域"},
                },
            },
        }
    },
}


@api_bp.get("/lookup")
@operation(
    "按名称或编号查找可关联的科技成果、技术需求、对接、已认证机构或技术经纪人（边输入边查找）",
    query=query_params(
        (
            "kind",
            "string",
            "achievement（科技成果）/ demand（技术需求）/ deal（对接，仅当事方、经纪人和管理员）"
            " / organisation（已认证机构，按名称）/ broker（技术经纪人，按姓名或单位）",
        ),
        ("q", "string", "名称中的文字，或编号"),
        (
            "limit",
            "integer",
            f"最多条数，1–{lookup.MAX_LIMIT}，默认 10",
            {"minimum": 1, "maximum": lookup.MAX_LIMIT},
        ),
    ),
    responses={"200": object_of(LOOKUP_ITEMS)},
    errors=("422",),
)
def lookup_rows():
    """Only what the caller may see: published listings and their own organisation's; their own deals;
    verified organisations and active brokers, without contact details."""
    items = lookup.lookup(
        actor(), request.args.get("kind"), request.args.get("q"), request.args.get("limit", 10)
    )
    return jsonify({"items": items})
