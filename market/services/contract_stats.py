"""技术合同交易额: totals and breakdowns of registered contracts over a signing period.

The whole months of a period are read from the monthly rollup (services/contract_rollup, kept in the same
transaction as the contracts), the days before the first and after the last whole month from the contracts;
rollup=False reads everything from the contracts (the same figures: tests compare them). Amounts are integer
fen summed by the database (exact on SQLite and PostgreSQL). 成交额 is the contract amount; 技术交易额 is the
recognised amount set at registration.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select

from market.errors import ValidationFailed
from market.extensions import db
from market.models import Organisation, User
from market.models.contract import Contract
from market.models.vocab import CONTRACT_TYPES, ORG_KINDS
from market.services import contract_rollup

GROUPS = {
    "type": "合同类型",
    "field": "技术领域",
    "region": "卖方所在区域",
    "month": "月份",
    "seller_kind": "卖方类型",
    "buyer_region": "买方地域",
    "seller": "卖方",
    "buyer": "买方",
    "broker": "技术经纪人",
}
TOP_GROUPS = ("seller", "buyer", "broker")
WHOLE_GROUPS = (
    "type",
    "field",
    "region",
    "month",
    "seller_kind",
    "buyer_region",
    "seller",
    "buyer",
)  # not broker
MAX_SPAN_DAYS = 366 * 30  # an upper bound of the longest period (30 years), checked by calendar years


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str = ""

    def previous_year(self) -> "Period":
        end = _minus_year(self.end)
        if self.start.day == 1 and self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]:
            # whole months: February 2025 is compared with the whole of February 2024, 29th included
            end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
        return Period(_minus_year(self.start), end, "上年同期")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _minus_year(day: date, years: int = 1) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def period_from(data: dict, today: date) -> Period:
    """The period a request asks for: year / quarter / month / custom from–to; this year by default."""
    kind = str(data.get("period") or "").strip()
    if kind not in ("", "year", "quarter", "month", "custom"):
        raise ValidationFailed(
            {"period": "统计周期应为 year（年）、quarter（季度）、month（月）或 custom（自定义）"}
        )
    if kind in ("year", "quarter", "month"):  # an explicit period wins over from/to a form also sends
        data = {k: v for k, v in data.items() if k not in ("from", "to")}
    try:
        year = int(data.get("year") or today.year)
    except (TypeError, ValueError):
        raise ValidationFailed({"year": "年份必须是数字"}) from None
    if not 1990 <= year <= 2100:
        raise ValidationFailed({"year": "年份应在1990到2100之间"})
    if data.get("from") or data.get("to"):
        return custom_period(data.get("from"), data.get("to"), today)
    if kind == "quarter":
        try:
            quarter = int(data.get("quarter") or (today.month - 1) // 3 + 1)
        except (TypeError, ValueError):
            raise ValidationFailed({"quarter": "季度应为1到4"}) from None
        if not 1 <= quarter <= 4:
            raise ValidationFailed({"quarter": "季度应为1到4"})
        first = 3 * quarter - 2
        return Period(
            date(year, first, 1),
            date(year, first + 2, calendar.monthrange(year, first + 2)[1]),
            f"{year}年第{quarter}季度",
        )
    if kind == "month":
        try:
            month = int(data.get("month") or today.month)
        except (TypeError, ValueError):
            raise ValidationFailed({"month": "月份应为1到12"}) from None
        if not 1 <= month <= 12:
            raise ValidationFailed({"month": "月份应为1到12"})
        return Period(
            date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), f"{year}年{month}月"
        )
    return Period(date(year, 1, 1), date(year, 12, 31), f"{year}年")


def custom_period(start, end, today: date) -> Period:
    """A from–to period of user input (ISO dates); a missing end means today, a missing start 1 January."""
    errors, values = {}, {}
    for name, raw, default in (("from", start, date(today.year, 1, 1)), ("to", end, today)):
        if raw in (None, ""):
            values[name] = default
            continue
        try:
            values[name] = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
        except ValueError:
            errors[name] = "日期格式应为 年-月-日，例如 2026-01-31"
            continue
        if not 1990 <= values[name].year <= 2100:  # as the year filter; also keeps year arithmetic in range
            errors[name] = "日期应在1990年到2100年之间"
    if errors:
        raise ValidationFailed(errors)
    if values["to"] < values["from"]:
        raise ValidationFailed({"to": "结束日期不能早于开始日期"})
    if _minus_year(values["to"], 30) > values["from"]:
        raise ValidationFailed({"from": "统计区间不能超过30年"})
    return Period(values["from"], values["to"], f"{values['from'].isoformat()} 至 {values['to'].isoformat()}")


@dataclass
class Totals:
    count: int = 0
    amount_fen: int = 0
    recognised_fen: int = 0


@dataclass
class Row:
    key: str
    label: str
    count: int
    amount_fen: int
    recognised_fen: int
    share: float = 0.0  # of the period's amount, for bar lengths only (never summed)


@dataclass
class Overview:
    period: Period
    totals: Totals
    previous: Totals
    breakdowns: dict = field(default_factory=dict)

    @property
    def yoy(self) -> float | None:
        """Year-on-year change of the contract amount, or None when last year had none."""
        if not self.previous.amount_fen:
            return None
        return (self.totals.amount_fen - self.previous.amount_fen) / self.previous.amount_fen


def _registered_in(period: Period):
    return (
        Contract.status == "registered",
        Contract.signed_on >= period.start,
        Contract.signed_on <= period.end,
    )


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _pieces(period: Period, rollup: bool) -> tuple[tuple[date, date] | None, list[Period]]:
    """The whole months within the period, read from the monthly rollup (their first days, or None), and the
    days around them, read from the contracts."""
    if not rollup:
        return None, [period]
    first = period.start if period.start.day == 1 else _month_end(period.start) + timedelta(days=1)
    end = (
        period.end if period.end == _month_end(period.end) else period.end.replace(day=1) - timedelta(days=1)
    )
    if first > end:
        return None, [period]
    edges = [Period(period.start, first - timedelta(days=1))] if period.start < first else []
    if end < period.end:
        edges.append(Period(end + timedelta(days=1), period.end))
    return (first, end.replace(day=1)), edges


def totals(period: Period, rollup: bool = True) -> Totals:
    """Count, 成交额 and 技术交易额 of the contracts registered and signed within the period (whole months
    from the rollup unless rollup=False)."""
    months, edges = _pieces(period, rollup)
    result = Totals(*contract_rollup.totals(*months)) if months else Totals()
    for edge in edges:
        row = db.session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Contract.amount_fen), 0),
                func.coalesce(func.sum(Contract.recognised_fen), 0),
            ).where(*_registered_in(edge))
        ).one()
        result.count += int(row[0])
        result.amount_fen += int(row[1])
        result.recognised_fen += int(row[2])
    return result


def _group_column(group_by: str):
    if group_by == "type":
        return Contract.contract_type
    if group_by == "field":
        return Contract.field
    if group_by == "region":
        return Contract.seller_region
    if group_by == "seller_kind":
        return Contract.seller_kind
    if group_by == "month":
        return func.extract("year", Contract.signed_on) * 100 + func.extract("month", Contract.signed_on)
    if group_by == "buyer_region":
        return case((Contract.buyer_province == contract_rollup.IN_PROVINCE, "in"), else_="out")
    if group_by == "seller":
        return Contract.seller_org_id
    if group_by == "buyer":
        return Contract.buyer_org_id
    if group_by == "broker":
        return Contract.broker_id
    raise ValidationFailed({"group_by": f"分组方式应为 {'|'.join(GROUPS)}"})


def breakdown(
    period: Period,
    group_by: str,
    limit: int | None = None,
    period_amount_fen: int | None = None,
    rollup: bool = True,
) -> list[Row]:
    """Count and amounts per value of one dimension, largest amount first (months in calendar order).

    period_amount_fen: the period's total, when the caller has it (the shares divide by it)."""
    rows = _grouped(period, group_by, limit, rollup)
    if period_amount_fen is None:
        period_amount_fen = totals(period, rollup).amount_fen
    _set_shares(rows, period_amount_fen)
    return rows


def _contract_groups(period: Period, group_by: str, top: int | None = None):
    """(key, count, amount, recognised) per group of the period's registered contracts, from the contracts;
    top: only that many, largest amount first."""
    column = _group_column(group_by).label("key")
    amount = func.coalesce(func.sum(Contract.amount_fen), 0)
    query = (
        select(column, func.count(), amount, func.coalesce(func.sum(Contract.recognised_fen), 0))
        .where(*_registered_in(period))
        .group_by(column)
    )
    if group_by == "broker":
        query = query.where(Contract.broker_id.is_not(None))
    if top:
        query = query.order_by(amount.desc(), column).limit(top)
    return db.session.execute(query)


def _month_number(value) -> int:
    """A month as 202503, from the rollup's first day of the month or the contracts' year * 100 + month."""
    return value.year * 100 + value.month if isinstance(value, date) else int(value)


def _grouped(period: Period, group_by: str, limit: int | None, rollup: bool = True) -> list[Row]:
    """The groups of the period's registered contracts (whole months from the rollup, the days around them
    from the contracts, added up per key), largest amount first; shares left at 0."""
    _group_column(group_by)  # an unknown group is refused before anything is read
    sums = defaultdict(lambda: [0, 0, 0])
    months, edges = _pieces(period, rollup)
    # One source and numbered keys (an organisation, a broker): the database ranks and cuts the list, as this
    # function would; otherwise every group is read and added up here.
    top = limit if limit and len(edges) + bool(months) == 1 and group_by in TOP_GROUPS else None
    parts = [contract_rollup.grouped(*months, group_by, top)] if months else []
    parts += [_contract_groups(edge, group_by, top) for edge in edges]
    for part in parts:
        for key, count, amount, recognised in part:
            cell = sums[_month_number(key) if group_by == "month" else key]
            cell[0] += int(count)
            cell[1] += int(amount)
            cell[2] += int(recognised)
    if group_by == "month":
        keys = sorted(sums)
    else:
        keys = sorted(sums, key=lambda key: (-sums[key][1], key))
    keys = keys[:limit] if limit else keys
    labels = _labels(group_by, keys)
    return [
        Row(
            key=_key(group_by, key),
            label=labels.get(key, str(key)),
            count=sums[key][0],
            amount_fen=sums[key][1],
            recognised_fen=sums[key][2],
        )
        for key in keys
    ]


def _set_shares(rows: list[Row], period_amount_fen: int) -> None:
    for row in rows:
        row.share = row.amount_fen / (period_amount_fen or 1)  # of the whole period, also for top-ten lists


def _key(group_by: str, value) -> str:
    if group_by == "month":
        number = int(value)
        return f"{number // 100:04d}-{number % 100:02d}"
    return str(value)


def _labels(group_by: str, keys: list) -> dict:
    if group_by == "type":
        return dict(CONTRACT_TYPES)
    if group_by == "seller_kind":
        return dict(ORG_KINDS)
    if group_by == "buyer_region":
        return {"in": "省内", "out": "省外"}
    if group_by == "month":
        return {k: f"{int(k) // 100}年{int(k) % 100}月" for k in keys}
    if group_by in ("seller", "buyer"):
        return dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(keys))
            ).all()
        )
    if group_by == "broker":
        return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(keys))).all())
    return {}


def report(
    period: Period, group_by: str | None = None, limit: int | None = None, rollup: bool = True
) -> Overview:
    """Totals, last year's, and at most one breakdown (the stats API)."""
    previous = period.previous_year()
    if not group_by:
        return Overview(period, totals(period, rollup), totals(previous, rollup))
    rows = _grouped(period, group_by, limit, rollup)
    if group_by in WHOLE_GROUPS and not limit:  # every registered contract falls in one group: add them up
        now = Totals(
            sum(r.count for r in rows), sum(r.amount_fen for r in rows), sum(r.recognised_fen for r in rows)
        )
    else:
        now = totals(period, rollup)
    _set_shares(rows, now.amount_fen)
    return Overview(period, now, totals(previous, rollup), {group_by: rows})


def overview(period: Period, top: int = 10, rollup: bool = True) -> Overview:
    """Everything the dashboard shows for a period: totals, last year's, and every breakdown."""
    by_type = _grouped(period, "type", None, rollup)  # every registered contract has one type: the totals
    now = Totals(
        sum(r.count for r in by_type),
        sum(r.amount_fen for r in by_type),
        sum(r.recognised_fen for r in by_type),
    )
    result = Overview(period=period, totals=now, previous=totals(period.previous_year(), rollup))
    for group_by in GROUPS:
        if group_by == "type":
            rows = by_type
            _set_shares(rows, now.amount_fen)
        else:
            rows = breakdown(
                period,
                group_by,
                limit=top if group_by in TOP_GROUPS else None,
                period_amount_fen=now.amount_fen,
                rollup=rollup,
            )
        result.breakdowns[group_by] = rows
    return result
