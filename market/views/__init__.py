"""HTML blueprints, one per area, and the error pages they share."""

from datetime import date

from flask import Flask

from market.money import format_fen


def register(app: Flask) -> None:
    from market.views import (
        admin,
        auth,
        bookings,
        contracts,
        dashboard,
        deals,
        errors,
        health,
        notifications,
        public,
        search,
        workspace,
    )

    for blueprint in (
        public.bp,
        search.bp,
        auth.bp,
        workspace.bp,
        notifications.bp,
        admin.bp,
        contracts.bp,
        dashboard.bp,
        deals.bp,
        bookings.bp,
        health.bp,
    ):
        app.register_blueprint(blueprint)
    errors.register(app)
    app.add_template_filter(format_fen, "yuan")
    app.add_template_filter(format_budget, "budget")
    app.context_processor(lambda: {"today": date.today()})


def format_budget(demand) -> str:
    """A demand's budget range for display."""
    low, high = demand.budget_min_fen, demand.budget_max_fen
    if low is None and high is None:
        return "面议"
    if low is not None and high is not None:
        return format_fen(low) if low == high else f"{format_fen(low)} – {format_fen(high)}"
    return f"{format_fen(low)}以上" if low is not None else f"{format_fen(high)}以内"
