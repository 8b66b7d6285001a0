"""Every page each demo role can open, in one list: the phone test (test_phone_pages.py) visits them at 390 px
and `make screenshots` (tests/browser/gallery.py) photographs them.

The pages come from the app's URL map: every GET page without a required id (a `<collection>` stands for each
library), filtered by ACCESS, plus one detail or edit page per kind of object, found in the demo data
(`flask --app wsgi market seed`) as the role would find it in its own lists. A new page in the URL map is
listed here by itself; a new page that only some roles may open needs a line in ACCESS (the phone test says
which page answered 403).
"""

from dataclasses import dataclass

from sqlalchemy import select

from market.extensions import db
from market.models import Achievement, BrokerProfile, Demand, Equipment, Kpi, Policy, User
from market.models.challenge import Challenge
from market.views.common import COLLECTIONS
from seed import ADMIN_EMAIL, DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD
ACCOUNTS = {
    "visitor": None,
    "university": "university@demo.qcy",
    "enterprise": "enterprise@demo.qcy",
    "broker": "broker@demo.qcy",
    "viewer": "viewer@demo.qcy",
    "admin": ADMIN_EMAIL,
}
ROLES = tuple(ACCOUNTS)
ROLE_NAMES = {
    "visitor": "访客（未登录）",
    "university": "高校院所",
    "enterprise": "企业",
    "broker": "技术经纪人",
    "viewer": "政府观察员",
    "admin": "管理员",
}
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"visitor"}
WRITERS = SIGNED_IN - {"viewer"}

# GET routes that are not pages a person reads: files, downloads, JSON probes, links from a mail.
NOT_PAGES = {
    "static",
    "bootstrap.static",
    "health.show_liveness",
    "health.show_readiness",
    "dashboard.export_contracts",
    "dashboard.export_breakdown",
    "bookings.export_calendar",
    "contracts.download_attachment",
    "deals.download_message_file",
    "auth.reset_password",  # needs the token of a mailed link
    "admin.show_mail",  # the demo data sends no mail
    "public.lookup_rows",  # JSON for the pick-by-typing script, not a page
}

# Who may open a page, by endpoint or by blueprint ("admin."); any other page is for every signed-in role.
ACCESS = {
    "public.": EVERYONE,
    "search.": EVERYONE,
    "auth.login": {"visitor"},
    "auth.register_account": {"visitor"},  # signed in, it leads home
    "auth.forgot_password": {"visitor"},
    "admin.": {"admin"},
    "dashboard.": {"admin", "viewer"},
    "dashboard.edit_kpi": {"admin"},
    "deals.list_claimable_deals": {"broker"},
    "deals.show_performance": {"broker", "admin"},
    "workspace.edit_broker_profile": {"broker"},
    "workspace.list_match_queue": {"broker", "admin"},
    "contracts.new_contract": WRITERS,
    "challenges.list_challenges": EVERYONE,
    "challenges.new_challenge": {"enterprise", "admin"},
}
# Who may write a listing of each library (/my/<collection>/new).
CREATORS = {
    "achievements": {"university", "enterprise", "admin"},
    "demands": {"enterprise", "admin"},
    "equipment": {"university", "enterprise", "admin"},
}


@dataclass(frozen=True)
class Page:
    """One page: its path, and a name for the gallery's file and caption."""

    path: str
    name: str


def who_may_open(endpoint: str) -> frozenset:
    """The roles that may open a page, from ACCESS (an endpoint's own line wins over its blueprint's)."""
    if endpoint in ACCESS:
        return frozenset(ACCESS[endpoint])
    blueprint = endpoint.partition(".")[0] + "."
    return frozenset(ACCESS.get(blueprint, SIGNED_IN))


def list_pages(app, role: str) -> list[Page]:
    """The pages without a required id that the role may open, in URL order."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.endpoint.startswith("api."):
            continue
        needed = set(rule.arguments) - set(rule.defaults or {})
        if not needed:
            if role in who_may_open(rule.endpoint):
                pages.append(Page(rule.rule, rule.endpoint))
        elif needed == {"collection"}:
            for collection in COLLECTIONS:
                allowed = who_may_open(rule.endpoint)
                if rule.endpoint == "workspace.create_listing":
                    allowed = CREATORS[collection]
                if role in allowed:
                    pages.append(
                        Page(rule.rule.replace("<collection>", collection), f"{rule.endpoint}:{collection}")
                    )
    return pages


def detail_pages(role: str) -> list[Page]:
    """One page per kind of object in the demo data, as the role finds it; call inside an app context."""
    from market.services import bookings, brokers, contracts, deals, listings

    user = db.session.scalar(select(User).where(User.email == ACCOUNTS[role])) if ACCOUNTS[role] else None
    pages = []

    def add(endpoint: str, path: str | None, roles=EVERYONE) -> None:
        if path and role in roles:
            pages.append(Page(path, endpoint))

    def first(model, *where):
        return db.session.scalar(select(model).where(*where).order_by(model.id))

    # A listing of the role's own organisation where it has one (its owner sees 匹配推荐), else the first.
    org_id = user.organisation_id if user else None
    published = {
        m: first(m, m.status == "published", m.org_id == org_id) or first(m, m.status == "published")
        for m in (Achievement, Demand, Equipment)
    }
    for model, collection in ((Achievement, "achievements"), (Demand, "demands"), (Equipment, "equipment")):
        add(f"public.show_{model.__name__.lower()}", _path(collection, published[model]))
    add(
        "public.show_organisation",
        f"/orgs/{org_id}" if org_id else _path("orgs", published[Achievement], "org_id"),
    )
    listed = brokers.list_brokers({}, 1, 1).items
    profile = (first(BrokerProfile, BrokerProfile.user_id == user.id) if user else None) or (
        listed[0] if listed else None
    )
    add("public.show_broker", _path("brokers", profile))
    policy = first(Policy)
    add("public.show_policy", _path("policies", policy))
    add("admin.edit_policy", _path("admin/policies", policy, suffix="/edit"), {"admin"})
    bookable = first(Equipment, Equipment.status == "published", Equipment.open_for_booking.is_(True))
    add("bookings.show_calendar", _path("bookings/equipment", bookable))
    call = db.session.scalar(
        select(Challenge).join(Demand, Challenge.demand_id == Demand.id).where(Demand.status == "published")
    )
    add("challenges.show_challenge", _path("challenges", call))
    kpi = first(Kpi)
    add("dashboard.edit_kpi", _path("dashboard/kpis", kpi, suffix="/edit"), {"admin"})
    add("dashboard.list_kpi_entries", _path("dashboard/kpis", kpi, suffix="/entries"), {"admin", "viewer"})
    if user is None:
        return pages

    for collection, kind in COLLECTIONS.items():
        own = listings.list_managed_listings(user, kind, {}, 1, 1).items
        add(
            f"workspace.edit_listing:{collection}",
            _path(f"my/{collection}", own[0] if own else None, suffix="/edit"),
        )
    add("contracts.show_contract", _path("contracts", _first_item(contracts.list_contracts(user, {}, 1, 1))))
    if role in WRITERS:
        draft = contracts.list_contracts(user, {"status": "draft"}, 1, 1)
        add("contracts.edit_contract", _path("contracts", _first_item(draft), suffix="/edit"))
    registered = contracts.list_contracts(user, {"status": "registered"}, 1, 1)
    add(
        "contracts.correct_contract",
        _path("contracts", _first_item(registered), suffix="/correct"),
        {"admin"},
    )
    add("deals.show_deal", _path("deals", _first_item(deals.list_deals(user, {}, 1, 1))))
    if role in WRITERS:
        booking = _first_item(bookings.list_bookings(user, {"role": "mine"}, 1, 1)) or _first_item(
            bookings.list_bookings(user, {"role": "incoming"}, 1, 1)
        )
        add("bookings.show_booking", _path("bookings", booking))
    return pages


def pages_for(app, role: str) -> list[Page]:
    """Every page the role may open: the list pages, then one page per object; inside an app context."""
    return list_pages(app, role) + detail_pages(role)


def _first_item(page):
    return page.items[0] if page.items else None


def _path(prefix: str, obj, attribute: str = "id", suffix: str = "") -> str | None:
    return f"/{prefix}/{getattr(obj, attribute)}{suffix}" if obj is not None else None
