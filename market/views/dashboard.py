"""The administration's dashboard: 技术合同交易额 by period and dimension, KPIs against the plans, exports.

Admins and government viewers read everything here; only admins change the KPI table. The contract-list
export is for anyone who can see contracts, each getting only the contracts they may see.
"""

from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from market import charts, exports
from market.clock import today_in_beijing
from market.errors import ValidationFailed
from market.forms import ConfirmForm
from market.forms.kpis import KpiEntryForm, KpiForm, metric_choices
from market.models.vocab import KPI_PERIOD_KINDS
from market.money import format_fen
from market.services import bookings, challenges, contract_stats, contracts, kpis
from market.services.permissions import is_admin

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

PERIOD_KEYS = ("period", "year", "quarter", "month", "from", "to")
# Breakdowns in page order: (group_by, section title, short name for file names).
SECTIONS = (
    ("type", "按合同类型", "类型"),
    ("field", "按技术领域", "技术领域"),
    ("region", "按卖方所在区域", "卖方区域"),
    ("month", "按月份", "月份"),
    ("seller_kind", "按卖方类型", "卖方类型"),
    ("buyer_region", "按买方地域（省内/省外）", "买方地域"),
    ("seller", "卖方前十", "卖方排名"),
    ("buyer", "买方前十", "买方排名"),
    ("broker", "技术经纪人前十", "经纪人排名"),
)
SECTION_TITLES = {group: title for group, title, _ in SECTIONS}
FILE_NAMES = {group: name for group, _, name in SECTIONS}
EXPORT_CHUNK = 500


def _readers_only(view):
    """Admins and government viewers; anyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not contracts.can_read_all(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _admins_only(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _period_args() -> dict:
    """The period fields of the query string (the service ignores from/to unless the period is custom)."""
    args = {key: request.args.get(key, "").strip() for key in PERIOD_KEYS}
    return {key: value for key, value in args.items() if value}


def _chosen_period():
    """(period, the args that chose it, errors): bad input falls back to this year with the messages."""
    args = _period_args()
    try:
        return contract_stats.period_from(args, today_in_beijing()), args, {}
    except ValidationFailed as exc:
        return contract_stats.period_from({}, today_in_beijing()), {}, exc.fields


def _figures(overview) -> dict:
    """An SVG chart of 成交额 per breakdown; months are a line over every month of the period."""
    figures = {}
    for group, rows in overview.breakdowns.items():
        title = f"技术合同成交额{SECTION_TITLES.get(group, '')}（{overview.period.label}）"
        if group == "month":
            series = charts.month_series(rows, overview.period.start, overview.period.end)
            items = [
                (label, row.amount_fen if row else 0, format_fen(row.amount_fen if row else 0))
                for _, label, row in series
            ]
            figures[group] = charts.line_chart(
                items,
                title,
                tick_text=lambda value: format_fen(int(value)),
                axis=charts.month_axis([key for key, _, _ in series]),
            )
        else:
            figures[group] = charts.bar_chart(
                [(r.label, r.amount_fen, format_fen(r.amount_fen)) for r in rows], title
            )
    return figures


def _rollup() -> bool:
    """Whole months from the monthly rollup (the default), or everything from the contracts."""
    return bool(current_app.config["CONTRACT_STATS_ROLLUP"])


@bp.get("/")
@_readers_only
def show_dashboard():
    period, args, errors = _chosen_period()
    overview = contract_stats.overview(period, rollup=_rollup())
    funnel = kpis.funnel(period.start, period.end, rollup=_rollup())
    funnel_chart = charts.bar_chart(
        [(label, count, f"{count}") for label, count in funnel.steps], "转化漏斗", empty_text="暂无数据"
    )
    sharing = bookings.sharing_totals(period.start, period.end)
    calls = challenges.challenge_figures(current_user, period.start.year)  # 揭榜挂帅, the period's year
    return render_template(
        "dashboard/show.html",
        overview=overview,
        period=period,
        args=args,
        errors=errors,
        sections=SECTIONS,
        figures=_figures(overview),
        funnel=funnel,
        funnel_chart=funnel_chart,
        sharing=sharing,
        calls=calls,
        share=exports.share,
        years=_year_choices(period),
        group_labels=contract_stats.GROUPS,
    )


def _year_choices(period) -> list[int]:
    this_year = today_in_beijing().year
    return sorted(set(range(this_year - 9, this_year + 1)) | {period.start.year})


# ---- exports ---------------------------------------------------------------------------------------------


def _download(fmt: str, columns, records, filename: str, fallback: str, sheet_title: str) -> Response:
    disposition = exports.content_disposition(f"{filename}.{fmt}", f"{fallback}.{fmt}")
    if fmt == "csv":
        body = stream_with_context(exports.csv_chunks(columns, records, EXPORT_CHUNK))
        response = Response(body, mimetype=exports.CSV_MIMETYPE)
    else:
        response = Response(exports.to_xlsx(columns, records, sheet_title), mimetype=exports.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/export/<group_by>.<any(csv, xlsx):fmt>")
@_readers_only
def export_breakdown(group_by, fmt):
    if group_by not in contract_stats.GROUPS:
        abort(404)
    period = contract_stats.period_from(_period_args(), today_in_beijing())  # bad input: the 422 error page
    total = contract_stats.totals(period, rollup=_rollup())
    # the full ranking, not only the ten on the page
    rows = contract_stats.breakdown(period, group_by, period_amount_fen=total.amount_fen, rollup=_rollup())
    columns, records = exports.breakdown_table(rows, contract_stats.GROUPS[group_by], total.amount_fen)
    name = f"技术合同交易额-{FILE_NAMES[group_by]}-{exports.safe_filename(period.label)}"
    fallback = f"contract-stats-{group_by}-{period.start.isoformat()}_{period.end.isoformat()}"
    return _download(fmt, columns, records, name, fallback, FILE_NAMES[group_by])


def _each_contract(contract_rows):
    for contract in contract_rows:
        yield exports.contract_record(contract)


@bp.get("/contracts.<any(csv, xlsx):fmt>")
@login_required
def export_contracts(fmt):
    rows = contracts.iter_filtered_contracts(current_user, request.args, EXPORT_CHUNK)
    today = today_in_beijing().isoformat()
    return _download(
        fmt,
        exports.CONTRACT_COLUMNS,
        _each_contract(rows),
        f"技术合同列表-{today}",
        f"contracts-{today}",
        "技术合同",
    )


# ---- the KPI table ---------------------------------------------------------------------------------------


@bp.get("/kpis")
@_readers_only
def list_kpis():
    return render_template(
        "dashboard/kpis.html",
        progress=kpis.kpi_progress(today_in_beijing()),
        metrics=kpis.METRICS,
        period_kinds=KPI_PERIOD_KINDS,
        confirm_form=ConfirmForm(),
    )


def _kpi_form_data(kpi) -> dict:
    data = {name: getattr(kpi, name) for name in KpiForm()._fields if hasattr(kpi, name)}
    return {name: "" if value is None else value for name, value in data.items()}


@bp.route("/kpis/new", methods=["GET", "POST"])
@bp.route("/kpis/<int:kpi_id>/edit", methods=["GET", "POST"])
@_admins_only
def edit_kpi(kpi_id=None):
    kpi = kpis.get_kpi(kpi_id) if kpi_id else None
    form = KpiForm(data=_kpi_form_data(kpi) if kpi and request.method == "GET" else None)
    form.metric.choices = metric_choices(kpis.METRICS)
    if form.validate_on_submit():
        try:
            kpi = (
                kpis.update_kpi(current_user, kpi.id, form.to_data())
                if kpi
                else kpis.create_kpi(current_user, form.to_data())
            )
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash(f"已保存指标：{kpi.name}", "success")
            return redirect(url_for("dashboard.list_kpis"))
    return render_template("dashboard/kpi_form.html", form=form, kpi=kpi), 422 if form.errors else 200


@bp.post("/kpis/<int:kpi_id>/delete")
@_admins_only
def delete_kpi(kpi_id):
    if ConfirmForm().validate_on_submit():
        kpis.delete_kpi(current_user, kpi_id)
        flash("指标已删除", "success")
    return redirect(url_for("dashboard.list_kpis"))


def _render_entries(kpi, form, status=200):
    return render_template(
        "dashboard/kpi_entries.html", kpi=kpi, form=form, metrics=kpis.METRICS, period_kinds=KPI_PERIOD_KINDS
    ), status


@bp.get("/kpis/<int:kpi_id>/entries")
@_readers_only
def list_kpi_entries(kpi_id):
    return _render_entries(kpis.get_kpi(kpi_id), KpiEntryForm(data={"as_of": today_in_beijing().isoformat()}))


@bp.post("/kpis/<int:kpi_id>/entries")
@_admins_only
def add_kpi_entry(kpi_id):
    kpi = kpis.get_kpi(kpi_id)
    form = KpiEntryForm()
    if form.validate_on_submit():
        try:
            entry = kpis.add_kpi_entry(current_user, kpi.id, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash(f"已填报：{kpi.name} {entry.value}{kpi.unit}（截至 {entry.as_of.isoformat()}）", "success")
            return redirect(url_for("dashboard.list_kpis"))
    return _render_entries(kpi, form, 422 if form.errors else 200)
