"""HTML blueprints, one per area, and the error pages they share."""

from datetime import date

from flask import Flask, request
from flask_login import current_user

from market.clock import beijing_text, today_in_beijing
from market.money import format_fen
from market.storage import file_size


def register(app: Flask) -> None:
    # booking_decisions, broker_performance and organisations add routes to the bookings, deals and public
    # blueprints; listing_files to the workspace and public ones; challenge_applications to challenges.
    from market.views import (
        admin,
        auth,
        booking_decisions,
        bookings,
        broker_performance,
        challenge_applications,
        challenge_projects,
        challenge_reviews,
        challenges,
        contracts,
        dashboard,
        deals,
        errors,
        following,
        health,
        listing_files,
        notifications,
        organisations,
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
        following.bp,
        admin.bp,
        contracts.bp,
        dashboard.bp,
        deals.bp,
        bookings.bp,
        challenges.bp,
        challenge_reviews.bp,
        health.bp,
        challenge_projects.bp,
    ):
        app.register_blueprint(blueprint)
    errors.register(app)
    app.add_template_filter(format_fen, "yuan")
    app.add_template_filter(format_budget, "budget")
    app.add_template_filter(beijing_text, "beijing")
    app.add_template_filter(file_size, "file_size")
    app.context_processor(lambda: {"today": today_in_beijing()})
    app.add_template_global(work_menu)


def work_menu() -> list[tuple[str, str, bool]]:
    """The signed-in user's work pages for the top bar's 工作台 menu: (endpoint, label, is this page)."""
    role, here = current_user.role, request.endpoint
    pages = [("workspace.show_dashboard", "我的工作台", here == "workspace.show_dashboard")]
    pages.append(("following.list_following", "我的关注", request.blueprint == "following"))
    if role in ("broker", "admin"):
        pages.append(("workspace.list_match_queue", "匹配工作台", here == "workspace.list_match_queue"))
    if role != "viewer":
        pages.append(("deals.list_deals", "我的对接", request.blueprint == "deals"))
        pages.append(("bookings.list_bookings", "仪器预约", request.blueprint == "bookings"))
    if role in ("university", "enterprise", "admin"):
        pages.append(("challenges.my_challenges", "我的揭榜", here == "challenges.my_challenges"))
    pages.append(("contracts.list_contracts", "技术合同", request.blueprint == "contracts"))
    if role in ("admin", "viewer"):
        pages.append(("dashboard.show_dashboard", "交易额看板", request.blueprint == "dashboard"))
    if role == "admin":
        pages.append(("admin.show_dashboard", "管理后台", request.blueprint == "admin"))
    return pages


def format_budget(demand) -> str:
    """A demand's budget range for display."""
    low, high = demand.budget_min_fen, demand.budget_max_fen
    if low is None and high is None:
        return "面议"
    if low is not None and high is not None:
        return format_fen(low) if low == high else f"{format_fen(low)} – {format_fen(high)}"
    return f"{format_fen(low)}以上" if low is not None else f"{format_fen(high)}以内"
