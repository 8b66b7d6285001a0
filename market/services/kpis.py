"""The plans' targets (KPI table): admins edit them; the data computes what it can, people enter the rest."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import selectinload

from market.clock import beijing_day_end, beijing_day_start, today_in_beijing
from market.errors import NotFound, ValidationFailed
from market.extensions import db
from market.inputs.kpis import KpiEntryIn, KpiIn
from market.models import Achievement, Demand, MatchDecision, User
from market.models.contract import Contract
from market.models.kpi import Kpi, KpiEntry
from market.models.vocab import KPI_METRICS
from market.services import audit, contract_stats
from market.services.base import parse_row_id, unit_of_work
from market.services.challenges import stats as challenge_stats
from market.services.permissions import require_admin

YI_FEN = 100_000_000 * 100  # fen in 1亿元
METRICS = KPI_METRICS  # code → (label, unit)


# ---- the table ---------------------------------------------------------------------------------------


def list_kpis() -> list[Kpi]:
    return list(
        db.session.scalars(select(Kpi).options(selectinload(Kpi.entries)).order_by(Kpi.sort_order, Kpi.id))
    )


def get_kpi(kpi_id) -> Kpi:
    row_id = parse_row_id(kpi_id)
    kpi = db.session.get(Kpi, row_id) if row_id else None
    if kpi is None:
        raise NotFound("该指标不存在")
    return kpi


def clean_kpi(data: dict, partial: bool = False) -> dict:
    """A KPI's typed values (KpiIn); the start year may not follow the target year."""
    errors: dict = {}
    values = KpiIn.clean(data, partial=partial, errors=errors)
    start, target = values.get("start_year"), values.get("target_year")
    if start and target and start > target:
        errors.setdefault("start_year", "考核起始年份不能晚于目标年份")
    if errors:
        raise ValidationFailed(errors)
    if values.get("sort_order") is None:
        values.pop("sort_order", None)
    return values


@unit_of_work
def create_kpi(actor, data: dict) -> Kpi:
    """An admin adds a target."""
    require_admin(actor)
    kpi = Kpi(**clean_kpi(data))
    db.session.add(kpi)
    db.session.flush()
    audit.record(actor, "kpi.create", "kpi", kpi.id, {"name": kpi.name, "target": kpi.target_value})
    return kpi


@unit_of_work
def update_kpi(actor, kpi_id, data: dict) -> Kpi:
    """An admin changes a target; the audit log keeps the old values."""
    require_admin(actor)
    kpi = get_kpi(kpi_id)
    values = clean_kpi(data, partial=True)
    merged_start = values.get("start_year", kpi.start_year)
    if merged_start > values.get("target_year", kpi.target_year):
        raise ValidationFailed({"start_year": "考核起始年份不能晚于目标年份"})
    changes = audit.diff(kpi, values)
    for name, value in values.items():
        setattr(kpi, name, value)
    if changes:
        audit.record(actor, "kpi.update", "kpi", kpi.id, changes)
    return kpi


@unit_of_work
def delete_kpi(actor, kpi_id) -> None:
    """An admin removes a target and its manual entries (kept in the audit log)."""
    require_admin(actor)
    kpi = get_kpi(kpi_id)
    audit.record(
        actor,
        "kpi.delete",
        "kpi",
        kpi.id,
        {"name": kpi.name, "target": kpi.target_value, "entries": [[e.as_of, e.value] for e in kpi.entries]},
    )
    db.session.delete(kpi)


@unit_of_work
def add_kpi_entry(actor, kpi_id, data: dict) -> KpiEntry:
    """An admin records a value the data cannot compute, with the date it refers to."""
    require_admin(actor)
    kpi = get_kpi(kpi_id)
    if kpi.metric:
        raise ValidationFailed({"value": "该指标由平台数据自动计算，无需手工填报"})
    errors: dict = {}
    values = KpiEntryIn.clean(data, errors=errors)
    if values.get("as_of") and values["as_of"] > today_in_beijing():
        errors.setdefault("as_of", "数据日期不能晚于今天")
    if errors:
        raise ValidationFailed(errors)
    entry = KpiEntry(
        kpi_id=kpi.id,
        value=values["value"],
        as_of=values["as_of"],
        note=values["note"] or "",
        entered_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "kpi.entry", "kpi", kpi.id, {"value": entry.value, "as_of": entry.as_of})
    return entry


# ---- progress ----------------------------------------------------------------------------------------


@dataclass
class Progress:
    kpi: Kpi
    start: date
    end: date  # the last day of the measured period
    actual: Decimal | None
    elapsed: float  # fraction of the period gone by today
    entry: KpiEntry | None = None  # the manual value shown, when the KPI is not computed

    @property
    def target(self) -> Decimal:
        return Decimal(self.kpi.target_value)

    @property
    def achieved(self) -> float | None:
        """Actual / target (may exceed 1), or None without a value."""
        if self.actual is None or not self.target:
            return None
        return float(self.actual / self.target)

    @property
    def on_track(self) -> bool | None:
        """At least as far along as the time gone by."""
        return None if self.achieved is None else self.achieved >= self.elapsed

    @property
    def actual_text(self) -> str:
        if self.actual is None:
            return "—"
        return (
            format(self.actual.quantize(Decimal("0.01"), ROUND_HALF_UP).normalize(), "f")
            if self.actual != self.actual.to_integral()
            else str(int(self.actual))
        )


def measured_period(kpi: Kpi, today: date) -> tuple[date, date, float]:
    """The period a KPI is measured over today, and the fraction of it that has gone by."""
    if kpi.period_kind == "annual":
        year = min(max(today.year, kpi.start_year), kpi.target_year)
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        start, end = date(kpi.start_year, 1, 1), date(kpi.target_year, 12, 31)
    if today < start:
        return start, end, 0.0
    if today >= end:
        return start, end, 1.0
    return start, end, ((today - start).days + 1) / ((end - start).days + 1)


def _moment(day: date, end: bool = False) -> datetime:
    return beijing_day_end(day) if end else beijing_day_start(day)


def metric_value(metric: str, start: date, end: date) -> Decimal:
    """What the platform's data says for a metric over [start, end]."""
    if metric in ("contract_amount", "contract_count"):
        registered = contract_stats.totals(contract_stats.Period(start, end))  # whole months from the rollup
        if metric == "contract_amount":
            return Decimal(registered.amount_fen) / YI_FEN
        return Decimal(registered.count)
    # the very counts of the 揭榜挂帅 dashboard (services/challenges/stats.py)
    if metric == "open_calls":
        return Decimal(challenge_stats.calls_published(start, end))
    if metric == "challenge_projects":
        return Decimal(challenge_stats.projects_started(start, end))
    since, until = _moment(start), _moment(end, end=True)
    if metric == "brokers":
        query = (
            select(func.count())
            .select_from(User)
            .where(User.role == "broker", User.created_at >= since, User.created_at <= until)
        )
    elif metric == "published_achievements":
        query = (
            select(func.count())
            .select_from(Achievement)
            .where(Achievement.published_at >= since, Achievement.published_at <= until)
        )
    elif metric == "demands":
        query = (
            select(func.count())
            .select_from(Demand)
            .where(Demand.published_at >= since, Demand.published_at <= until)
        )
    elif metric == "accepted_matches":
        query = (
            select(func.count())
            .select_from(MatchDecision)
            .where(
                MatchDecision.decision == "accepted",
                MatchDecision.created_at >= since,
                MatchDecision.created_at <= until,
            )
        )
    else:
        raise ValueError(f"unknown metric {metric!r}")
    return Decimal(db.session.scalar(query) or 0)


def kpi_progress(today: date) -> list[Progress]:
    """Every KPI with its actual value for the period measured today and the fraction of time elapsed."""
    rows = []
    for kpi in list_kpis():
        start, end, elapsed = measured_period(kpi, today)
        if kpi.metric:
            rows.append(Progress(kpi, start, end, metric_value(kpi.metric, start, min(end, today)), elapsed))
            continue
        # An annual KPI takes the latest entry of its year; a cumulative or stock one the latest at all.
        entries = [
            e
            for e in kpi.entries
            if e.as_of <= min(end, today) and (kpi.period_kind != "annual" or e.as_of >= start)
        ]
        latest = max(entries, key=lambda e: (e.as_of, e.id), default=None)
        rows.append(Progress(kpi, start, end, Decimal(latest.value) if latest else None, elapsed, latest))
    return rows


FUNNEL_STEPS = (
    ("发起的对接", ("intent", "negotiation", "signing", "registered", "terminated")),
    ("进入洽谈", ("negotiation", "signing", "registered")),
    ("进入签约", ("signing", "registered")),
    ("成交并登记合同", ("registered",)),
)


@dataclass
class Funnel:
    """The deals opened in a period and how far they went: each step is part of the one before. Beside it,
    what is not part of that path: matches brokers accepted, and every contract registered in the period
    (most are registered without a deal on the platform)."""

    steps: list[tuple[str, int]]
    accepted_matches: int
    contracts_registered: int
    contracts_through_deals: int


def funnel(start: date, end: date, rollup: bool = True) -> Funnel:
    """Deals opened over a period → reached 洽谈 → reached 签约 → registered, by the furthest stage each
    reached (its stage now, or one it moved through before it ended); rollup as in contract_stats.totals."""
    from market.models import Deal, DealEvent

    since, until = _moment(start), _moment(end, end=True)
    cohort = select(Deal.id).where(Deal.created_at >= since, Deal.created_at <= until)
    steps = []
    for label, stages in FUNNEL_STEPS:
        passed = select(DealEvent.deal_id).where(DealEvent.kind == "stage", DealEvent.to_stage.in_(stages))
        reached = or_(Deal.stage.in_(stages), Deal.id.in_(passed)) if stages[0] != "intent" else true()
        count = db.session.scalar(select(func.count()).select_from(Deal).where(Deal.id.in_(cohort), reached))
        steps.append((label, int(count or 0)))
    accepted = metric_value("accepted_matches", start, end)
    contracts = contract_stats.totals(contract_stats.Period(start, end), rollup).count
    # each deal's contract looked up (deals are few), never the period's registered contracts read (many)
    registered = (
        select(Contract.id)
        .where(
            Contract.id == Deal.contract_id,
            Contract.status == "registered",
            Contract.signed_on >= start,
            Contract.signed_on <= end,
        )
        .exists()
    )
    through_deals = db.session.scalar(
        select(func.count()).select_from(Deal).where(Deal.contract_id.is_not(None), registered)
    )
    return Funnel(steps, int(accepted or 0), contracts, int(through_deals or 0))
