"""Brokers' performance (考核): deals carried and contracts registered per broker over a period. A route of
the deals blueprint (market/views/deals.py)."""

from datetime import date

from flask import render_template, request
from flask_login import current_user

from market.clock import today_in_beijing
from market.errors import ValidationFailed
from market.models.vocab import DEAL_STAGES
from market.services import deals
from market.services.permissions import is_admin
from market.views.deals import bp


def _period() -> tuple[dict, dict, date, date]:
    """The from/to parameters as typed, their errors, and the dates (default, also for a mistyped one: this
    year)."""
    today = today_in_beijing()
    raw = {"from": request.args.get("from", "").strip(), "to": request.args.get("to", "").strip()}
    errors, values = {}, {"from": date(today.year, 1, 1), "to": today}
    for key, label in (("from", "开始日期"), ("to", "结束日期")):
        if raw[key]:
            try:
                values[key] = date.fromisoformat(raw[key])
            except ValueError:
                errors[key] = f"{label}格式应为 年-月-日，例如 2026-12-31；已按默认日期统计"
    shown = {key: raw[key] or values[key].isoformat() for key in raw}
    return shown, errors, values["from"], values["to"]


@bp.get("/performance")
def show_performance():
    shown, errors, start, end = _period()
    try:
        rows = deals.broker_performance(current_user, start, end)
    except ValidationFailed as exc:
        rows, errors = [], {**errors, **exc.fields}
    return render_template(
        "deals/performance.html",
        rows=rows,
        period=shown,
        errors=errors,
        stages=DEAL_STAGES,
        admin=is_admin(current_user),
    ), 422 if errors else 200
