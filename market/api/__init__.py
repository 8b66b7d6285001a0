"""JSON API under /api/v1: the blueprint (market.api.blueprint) with every area's routes registered on it."""

# Routes register on import.
from market.api import (
    accounts,
    admin,
    auth,
    bookings,
    brokers,
    challenge_projects,
    challenge_reviews,
    challenges,
    conformance,
    contracts,
    deals,
    following,
    home,
    listing_files,
    listings,
    lookup,
    matching,
    notifications,
    openapi,  # noqa: F401
    organisations,
    policies,
    search,
    stats,
)
from market.api.blueprint import api_bp, error_response  # noqa: F401
