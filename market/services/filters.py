"""Turning query-string filters (as users and clients send them) into service filters."""

import re

from market.money import MoneyError, parse_yuan

LISTING_FILTER_KEYS = (
    "q",
    "field",
    "maturity",
    "region",
    "status",
    "category",
    "open_call",
    "open_for_booking",
)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def query_text(value) -> str:
    """A search word as typed, without control characters (PostgreSQL rejects NUL even in a query)."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else ""


def listing_filters(args) -> dict:
    """Known filters from a query string; malformed amounts are ignored rather than failing the page."""
    filters = {k: query_text(args.get(k)) for k in LISTING_FILTER_KEYS if query_text(args.get(k))}
    for arg, key in (
        ("budget_min", "budget_min_fen"),
        ("budget_max", "budget_max_fen"),
        ("price_max", "price_max_fen"),
    ):
        try:
            fen = parse_yuan(args.get(arg))
        except MoneyError:
            fen = None
        if fen is not None:
            filters[key] = fen
    for flag in ("open_call", "open_for_booking"):
        if flag in filters:
            filters[flag] = filters[flag].lower() in ("1", "true", "on", "yes")
    return filters
