"""Contract statistics and the KPI table over JSON.

Reading is for admins and government viewers (401 without a token, 403 for anyone else); the KPI
services check that writers are admins.
"""

from flask import current_app, jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
from market.api.docs import items_of, json_of, operation, query_params
from market.clock import today_in_beijing
from market.errors import PermissionDenied, ValidationFailed
from market.schemas import ContractStatsOut, KpiEntryIn, KpiEntryOut, KpiIn, KpiOut, KpiProgressOut
from market.services import contract_stats, kpis
from market.services.contracts import can_read_all

MAX_LIMIT = 1000


def require_reader():
    """The token's user, if they may read the whole register (admins and government viewers)."""
    user = require_actor()
    if not can_read_all(user):
        raise PermissionDenied("仅管理员和政府观察员可以查看统计和指标")
    return user


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def _limit() -> int | None:
    raw = request.args.get("limit", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed({"limit": f"条数应为1到{MAX_LIMIT}之间的整数"})
    return int(raw)


# ---- contract statistics -------------------------------------------------------------------------


@api_bp.get("/stats/contracts")
@operation(
    "已登记技术合同的成交额、核定技术交易额和合同数（按签订日期统计；管理员、政府观察员）",
    secured=True,
    query=query_params(
        (
            "from",
            "string",
            "签订日期起 YYYY-MM-DD（填了 from 或 to 即按自定义区间，不填 from 为当年1月1日）",
        ),
        ("to", "string", "签订日期止 YYYY-MM-DD（不填为今天）"),
        (
            "group_by",
            "string",
            "分组：type / field / region / month / seller_kind / buyer_region / seller / buyer / broker；"
            "不填只返回合计",
        ),
        (
            "limit",
            "integer",
            "最多返回的组数 1–1000（按金额从大到小），不填为全部",
            {"minimum": 1, "maximum": MAX_LIMIT},
        ),
        ("year", "integer", "年份，默认今年", {"minimum": 1990, "maximum": 2100}),
        ("period", "string", "year（默认）/ quarter / month"),
        ("quarter", "integer", "季度 1–4（period=quarter）", {"minimum": 1, "maximum": 4}),
        ("month", "integer", "月份 1–12（period=month）", {"minimum": 1, "maximum": 12}),
    ),
    responses={"200": "ContractStatsOut"},
    errors=("403", "422"),
)
def get_contract_stats():
    require_reader()
    period = contract_stats.period_from(request.args, today_in_beijing())
    group_by = request.args.get("group_by", "").strip() or None
    overview = contract_stats.report(
        period, group_by, _limit(), rollup=bool(current_app.config["CONTRACT_STATS_ROLLUP"])
    )
    return jsonify(
        ContractStatsOut().dump({"items": overview.breakdowns.get(group_by, []), "meta": overview})
    )


# ---- KPI table -----------------------------------------------------------------------------------


@api_bp.get("/kpis")
@operation(
    "指标表：目标、实际值（可计算的自动计算，其余取手工填报）和时间进度（管理员、政府观察员）",
    secured=True,
    responses={"200": items_of("KpiProgressOut")},
    errors=("403",),
)
def list_kpis():
    require_reader()
    return jsonify({"items": KpiProgressOut(many=True).dump(kpis.kpi_progress(today_in_beijing()))})


@api_bp.post("/kpis")
@operation(
    "新增指标（管理员）",
    secured=True,
    body="KpiIn",
    responses={"201": json_of("KpiOut", "已创建")},
    errors=("403", "422"),
)
def create_kpi():
    user = require_actor()
    return jsonify(KpiOut().dump(kpis.create_kpi(user, _body(KpiIn)))), 201


@api_bp.patch("/kpis/<int:kpi_id>")
@operation(
    "修改指标（管理员，部分字段；旧值记入操作日志）",
    secured=True,
    body="KpiIn",
    responses={"200": "KpiOut"},
    errors=("403", "404", "422"),
)
def update_kpi(kpi_id):
    user = require_actor()
    return jsonify(KpiOut().dump(kpis.update_kpi(user, kpi_id, _body(KpiIn))))


@api_bp.delete("/kpis/<int:kpi_id>")
@operation(
    "删除指标及其手工填报（管理员）",
    secured=True,
    responses={"204": {"description": "已删除"}},
    errors=("403", "404"),
)
def delete_kpi(kpi_id):
    kpis.delete_kpi(require_actor(), kpi_id)
    return "", 204


@api_bp.post("/kpis/<int:kpi_id>/entries")
@operation(
    "手工填报指标实际值（管理员；仅不能自动计算的指标）",
    secured=True,
    body="KpiEntryIn",
    responses={"201": json_of("KpiEntryOut", "已记录")},
    errors=("403", "404", "422"),
)
def create_kpi_entry(kpi_id):
    user = require_actor()
    return jsonify(KpiEntryOut().dump(kpis.add_kpi_entry(user, kpi_id, _body(KpiEntryIn)))), 201
