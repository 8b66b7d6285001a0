"""Contract statistics and the KPI table over JSON.

Reading is for admins and government viewers (401 without a token, 403 for anyone else); the KPI
services check that writers are admins.
"""

from datetime import date

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
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
def get_contract_stats():
    require_reader()
    period = contract_stats.period_from(request.args, date.today())
    group_by = request.args.get("group_by", "").strip() or None
    overview = contract_stats.report(period, group_by, _limit())
    return jsonify(
        ContractStatsOut().dump({"items": overview.breakdowns.get(group_by, []), "meta": overview})
    )


# ---- KPI table -----------------------------------------------------------------------------------


@api_bp.get("/kpis")
def list_kpis():
    require_reader()
    return jsonify({"items": KpiProgressOut(many=True).dump(kpis.kpi_progress(date.today()))})


@api_bp.post("/kpis")
def create_kpi():
    user = require_actor()
    return jsonify(KpiOut().dump(kpis.create_kpi(user, _body(KpiIn)))), 201


@api_bp.patch("/kpis/<int:kpi_id>")
def update_kpi(kpi_id):
    user = require_actor()
    return jsonify(KpiOut().dump(kpis.update_kpi(user, kpi_id, _body(KpiIn))))


@api_bp.delete("/kpis/<int:kpi_id>")
def delete_kpi(kpi_id):
    kpis.delete_kpi(require_actor(), kpi_id)
    return "", 204


@api_bp.post("/kpis/<int:kpi_id>/entries")
def create_kpi_entry(kpi_id):
    user = require_actor()
    return jsonify(KpiEntryOut().dump(kpis.add_kpi_entry(user, kpi_id, _body(KpiEntryIn)))), 201
