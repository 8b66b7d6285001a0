"""The home page's figures: this year's registered 技术合同交易额 against the plan, the libraries' counts,
technical fields, the newest 揭榜挂帅 calls and featured results — one aggregate of plain values, computed at
most once per FIGURES_TTL_SECONDS per process and database, so the most visited page costs (almost) no
queries.

Years and months are Beijing time (market.clock). Contracts are read in one place,
registered_contracts_by_month, so the page can move to a monthly rollup table without touching anything else.
"""

import threading
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, literal, select, union_all

from market.clock import BEIJING, today_in_beijing
from market.extensions import db
from market.models import LISTING_MODELS, Achievement, BrokerProfile, Demand, Field, Organisation, User
from market.models.base import utcnow
from market.models.challenge import Challenge
from market.models.kpi import Kpi
from market.services import contract_stats, kpis, listings, policies

FIGURES_TTL_SECONDS = 60.0
OPEN_CALLS_SHOWN = 4
FEATURED_SHOWN = 6
POLICIES_SHOWN = 5
KINDS = tuple(LISTING_MODELS)


@dataclass(frozen=True)
class MonthAmount:
    key: str  # YYYY-MM
    label: str  # 2026年3月
    count: int
    amount_fen: int


@dataclass(frozen=True)
class ContractYear:
    """Registered contracts signed this year (Beijing) and the plan's annual target for it, if any."""

    year: int
    count: int
    amount_fen: int
    months: tuple[MonthAmount, ...]  # January to this month, months without contracts included
    target_fen: int | None = None
    target_name: str | None = None
    target_source: str | None = None
    elapsed: float = 0.0  # fraction of the year gone by

    @property
    def progress(self) -> float | None:
        """Amount / target (may exceed 1); None without a target."""
        return self.amount_fen / self.target_fen if self.target_fen else None

    @property
    def on_track(self) -> bool | None:
        return None if self.progress is None else self.progress >= self.elapsed


@dataclass(frozen=True)
class OrgBrief:
    id: int
    name: str
    verified: bool


@dataclass(frozen=True)
class ListingCard:
    """What the home page shows of a listing: no contact details, nothing that needs a session to read."""

    kind: str
    id: int
    title: str
    organisation: OrgBrief
    field: str | None
    published_at: datetime | None
    maturity: str | None = None
    price_fen: int | None = None
    reward_fen: int | None = None
    deadline: date | None = None
    call_id: int | None = None  # a 揭榜挂帅 call's page (/challenges/<id>) for a demand that carries one


@dataclass(frozen=True)
class FieldCount:
    name: str
    achievements: int
    demands: int
    equipment: int

    @property
    def total(self) -> int:
        return self.achievements + self.demands + self.equipment


@dataclass(frozen=True)
class PolicyBrief:
    id: int
    title: str
    issuer: str
    published_on: date | None


@dataclass(frozen=True)
class HomeFigures:
    today: date  # in Beijing
    computed_at: datetime
    contracts: ContractYear
    live: dict  # kind → live listings
    new_this_month: dict  # achievement / demand → published this month and still live
    brokers: int
    fields: tuple[FieldCount, ...]
    open_calls: tuple[ListingCard, ...]
    featured: tuple[ListingCard, ...]
    policies: tuple[PolicyBrief, ...]


# ---- the cache ------------------------------------------------------------------------------------------

_cache: dict = {}  # (database, Beijing date) → (monotonic expiry, HomeFigures)
_lock = threading.Lock()


def _database_key() -> str:
    return db.session.get_bind().engine.url.render_as_string(hide_password=True)


def home_figures(today: date | None = None) -> HomeFigures:
    """The home page's aggregate, at most FIGURES_TTL_SECONDS old (a new Beijing day starts afresh)."""
    today = today or today_in_beijing()
    key, now = (_database_key(), today), time.monotonic()
    found = _cache.get(key)
    if found is not None and found[0] > now:
        return found[1]
    figures = compute_home_figures(today)
    with _lock:
        for stale in [k for k, (expiry, _) in _cache.items() if expiry <= now]:
            del _cache[stale]
        _cache[key] = (now + FIGURES_TTL_SECONDS, figures)
    return figures


def forget_home_figures() -> None:
    """Drop the cached figures (tests; a process that must show a change at once)."""
    with _lock:
        _cache.clear()


# ---- the aggregate ----------------------------------------------------------------------------------------


def compute_home_figures(today: date) -> HomeFigures:
    """Every figure of the home page from the database (about ten statements)."""
    live, new_this_month, brokers = _counts(today)
    return HomeFigures(
        today=today,
        computed_at=utcnow(),
        contracts=contract_year(today),
        live=live,
        new_this_month=new_this_month,
        brokers=brokers,
        fields=_field_counts(),
        open_calls=_open_calls(),
        featured=_featured_results(),
        policies=tuple(
            PolicyBrief(p.id, p.title, p.issuer, p.published_on)
            for p in policies.list_policies({}, 1, POLICIES_SHOWN).items
        ),
    )


def registered_contracts_by_month(year: int) -> list[MonthAmount]:
    """Registered contracts signed in each month of a year that has any: count and 成交额, as the KPI
    技术合同交易额 counts them (kpis.metric_value). The home page reads contracts only through this."""
    period = contract_stats.Period(date(year, 1, 1), date(year, 12, 31), f"{year}年")
    rows = contract_stats.breakdown(period, "month", period_amount_fen=0)
    return [MonthAmount(r.key, r.label, r.count, r.amount_fen) for r in rows]


def contract_year(today: date) -> ContractYear:
    """This year's registered contracts by month, their totals and the plan's target for the year."""
    found = {m.key: m for m in registered_contracts_by_month(today.year)}
    months = tuple(
        found.get(f"{today.year:04d}-{month:02d}")
        or MonthAmount(f"{today.year:04d}-{month:02d}", f"{today.year}年{month}月", 0, 0)
        for month in range(1, today.month + 1)
    )
    year = ContractYear(
        today.year, sum(m.count for m in found.values()), sum(m.amount_fen for m in found.values()), months
    )
    kpi = _annual_target(today.year)
    if kpi is None:
        return year
    try:
        target_fen = int(Decimal(kpi.target_value) * kpis.YI_FEN)
    except (InvalidOperation, ValueError):
        return year
    _start, _end, elapsed = kpis.measured_period(kpi, today)
    return ContractYear(
        year.year, year.count, year.amount_fen, months, target_fen, kpi.name, kpi.source, elapsed
    )


def _annual_target(year: int) -> Kpi | None:
    """The plan's annual 技术合同交易额 target measured over this year (the nearest target year first)."""
    return db.session.scalars(
        select(Kpi)
        .where(
            Kpi.metric == "contract_amount",
            Kpi.period_kind == "annual",
            Kpi.start_year <= year,
            Kpi.target_year >= year,
        )
        .order_by(Kpi.target_year, Kpi.sort_order, Kpi.id)
        .limit(1)
    ).first()


def _month_start(today: date) -> datetime:
    """The first moment of this Beijing month, in UTC as stored."""
    return datetime(today.year, today.month, 1, tzinfo=BEIJING).astimezone(timezone.utc)


def _counts(today: date) -> tuple[dict, dict, int]:
    """Live listings per kind, results and demands published this month, brokers: one statement."""
    since = _month_start(today)
    live = {
        kind: select(func.count()).select_from(m).where(listings.live_condition(m)).scalar_subquery()
        for kind, m in LISTING_MODELS.items()
    }
    new = {
        kind: select(func.count())
        .select_from(m)
        .where(listings.live_condition(m), m.published_at >= since)
        .scalar_subquery()
        for kind, m in LISTING_MODELS.items()
        if kind in ("achievement", "demand")
    }
    brokers = (
        select(func.count())
        .select_from(BrokerProfile)
        .join(User, BrokerProfile.user_id == User.id)
        .where(User.active.is_(True), User.role == "broker")
        .scalar_subquery()
    )
    row = db.session.execute(select(*live.values(), *new.values(), brokers)).one()
    values = [int(v or 0) for v in row]
    return (
        dict(zip(live, values[: len(live)])),
        dict(zip(new, values[len(live) : len(live) + len(new)])),
        values[-1],
    )


def _field_counts() -> tuple[FieldCount, ...]:
    """Every active technical field with its live results, demands and instruments (one grouped statement)."""
    grouped = union_all(
        *(
            select(literal(kind).label("kind"), m.field_id.label("field_id"), func.count().label("n"))
            .where(listings.live_condition(m), m.field_id.is_not(None))
            .group_by(m.field_id)
            for kind, m in LISTING_MODELS.items()
        )
    ).subquery()
    counts: dict = {}
    for kind, field_id, n in db.session.execute(select(grouped.c.kind, grouped.c.field_id, grouped.c.n)):
        counts[(kind, field_id)] = int(n)
    fields = db.session.execute(
        select(Field.id, Field.name).where(Field.active.is_(True)).order_by(Field.position, Field.id)
    )
    return tuple(
        FieldCount(
            name,
            counts.get(("achievement", field_id), 0),
            counts.get(("demand", field_id), 0),
            counts.get(("equipment", field_id), 0),
        )
        for field_id, name in fields
    )


def _card(listing) -> ListingCard:
    org = listing.organisation
    return ListingCard(
        kind=listing.kind,
        id=listing.id,
        title=listing.title,
        organisation=OrgBrief(org.id, org.name, org.is_verified),
        field=listing.field.name if listing.field else None,
        published_at=listing.published_at,
        maturity=getattr(listing, "maturity", None),
        price_fen=getattr(listing, "price_fen", None),
        reward_fen=getattr(listing, "reward_fen", None),
        deadline=getattr(listing, "deadline", None),
    )


def _open_calls() -> tuple[ListingCard, ...]:
    """The newest live 揭榜挂帅 calls, with their rewards, deadlines and call pages (one query)."""
    rows = db.session.execute(
        select(Demand, Challenge.id)
        .outerjoin(Challenge, Challenge.demand_id == Demand.id)
        .where(listings.live_condition(Demand), Demand.open_call.is_(True))
        .order_by(Demand.published_at.desc(), Demand.id.desc())
        .limit(OPEN_CALLS_SHOWN)
    ).unique()
    return tuple(replace(_card(demand), call_id=call_id) for demand, call_id in rows)


def _featured_results() -> tuple[ListingCard, ...]:
    """精选成果: the newest live results of verified organisations, one per organisation so that one busy
    university does not fill the row."""
    rows = db.session.scalars(
        select(Achievement)
        .join(Organisation, Achievement.org_id == Organisation.id)
        .where(listings.live_condition(Achievement), Organisation.verification_state == "verified")
        .order_by(Achievement.published_at.desc(), Achievement.id.desc())
        .limit(FEATURED_SHOWN * 5)
    ).unique()
    chosen, seen = [], set()
    for result in rows:
        if result.org_id not in seen:
            seen.add(result.org_id)
            chosen.append(_card(result))
        if len(chosen) == FEATURED_SHOWN:
            break
    return tuple(chosen)
