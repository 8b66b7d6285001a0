"""Demo data for 秦创原科技大市场, written through the same services the UI uses.

`flask --app wsgi market seed` calls load_demo_data(); the data lives in the modules beside this
one. Every demo account's password is DEMO_PASSWORD (see seed/organisations.py). The history is replayed on
the days it happened (seed/timeline.py): accounts, listings, contracts, deals and notifications carry
realistic dates spread over the past weeks, months and (for the contracts) years.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from market.extensions import db
from market.models import Organisation, User
from market.services.accounts import create_user, one_hash_per_password, register_account
from market.services.brokers import update_broker_profile
from market.services.codes import CREDIT_CODE_CHARS, credit_code_with_check
from market.services.listings import change_status, create_listing
from market.services.organisations import decide_verification, update_organisation_profile
from market.services.policies import create_policy
from market.services.taxonomy import ensure_default_fields
from seed.achievements import ACHIEVEMENTS
from seed.bookings import load_demo_bookings
from seed.challenges import CALLED, load_demo_challenges
from seed.contracts import demo_timeline, load_demo_contracts
from seed.deals import load_demo_deals
from seed.demands import DEMANDS
from seed.equipment import EQUIPMENT
from seed.follows import load_demo_follows, load_demo_saved
from seed.gallery import load_demo_gallery
from seed.organisations import (
    ADMIN_EMAIL,
    BROKER_PROFILES,
    CONTACTS,
    DEMO_PASSWORD,
    INSTITUTION_ACCOUNTS,
    OPERATOR,
    REGISTERED_ACCOUNTS,
)
from seed.policies import POLICIES
from seed.timeline import Timeline, happening, settle_notifications

__all__ = [
    "ADMIN_EMAIL",
    "DEMO_PASSWORD",
    "demo_credit_code",
    "is_loaded",
    "load_demo_data",
    "quick_sqlite_commits",
]

# Made-up administrative division codes for the six 西咸新区 areas (the codes' 3rd–8th characters).
_DIVISIONS = {
    "空港": "611101",
    "秦汉": "611102",
    "沣东": "611103",
    "沣西": "611104",
    "泾河": "611105",
    "能源金贸区": "611106",
    "其他": "610100",
}
_SEED_ONLY_KEYS = ("owner", "then", "note", "deadline_days")


def demo_credit_code(name: str, kind: str, region: str) -> str:
    """A stable, checksum-valid but made-up 统一社会信用代码 for a demo organisation."""
    digest = hashlib.sha256(name.encode()).digest()
    if kind in ("enterprise", "intermediary"):
        # 9 = registered with market regulation, 1 = company; organisation code MA6… as issued since 2015.
        body = "MA6" + "".join(CREDIT_CODE_CHARS[b % len(CREDIT_CODE_CHARS)] for b in digest[:6])
        return credit_code_with_check("91" + _DIVISIONS.get(region, "610100") + body)
    # 1 = registered with the staffing authority, 2 = public institution (事业单位).
    return credit_code_with_check("12" + "610000" + "".join(str(b % 10) for b in digest[:9]))


def is_loaded() -> bool:
    """Whether the demo data is there (the demo admin account is its marker)."""
    return db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is not None


def existing_accounts() -> int:
    """How many accounts the database holds (demo data goes only into a database without any)."""
    return db.session.scalar(select(func.count()).select_from(User))


def load_demo_data(progress=print) -> int:
    """Create the demo organisations, accounts, listings, policies and contracts in an empty database; 0 when
    the demo data is there already or the database holds other accounts (it never mixes with real data)."""
    timeline = demo_timeline()
    if is_loaded():
        # demo data from before the contract register and the deals: add them
        written = load_demo_contracts(progress, timeline) + load_demo_deals(progress, timeline)
        settle_notifications(timeline.now)
        return written  # booking hours stay the owners' choice
    if existing_accounts():
        return 0
    ensure_default_fields()  # the initial migration already inserts them; a bare schema may not have
    db.session.commit()
    loader = _Loader(progress, timeline)
    with one_hash_per_password():
        loader.accounts()
    loader.brokers()
    follow_count = load_demo_follows(progress, timeline, loader.users)
    loader.listings("achievement", ACHIEVEMENTS, "成果")
    loader.listings("demand", [d for d in DEMANDS if d["title"] not in CALLED], "需求")  # calls: below
    loader.listings("equipment", EQUIPMENT, "仪器")
    loader.policies()
    contract_count = load_demo_contracts(progress, timeline)
    deal_count = load_demo_deals(progress, timeline)
    load_demo_bookings(progress, timeline)
    # after the demo deals and contracts (each loads into an empty table only): a selection opens a deal
    call_count, file_count = load_demo_challenges(progress, timeline, loader.users, loader.created)
    file_count += load_demo_gallery(progress, timeline, loader.users, loader.created, skip=CALLED)
    follow_count += load_demo_saved(progress, timeline, loader.users, loader.created)
    settle_notifications(timeline.now)
    progress(
        f"完成：机构 {loader.organisations}、账号 {len(loader.users)}、"
        f"成果/需求/仪器 {loader.listing_count}、揭榜挂帅榜单 {call_count}、"
        f"图片与资料 {file_count}、关注与收藏 {follow_count}、"
        f"政策 {loader.policy_count}、技术合同 {contract_count}、对接 {deal_count}；"
        f"演示账号密码均为 {DEMO_PASSWORD}"
    )
    return (
        loader.organisations
        + len(loader.users)
        + loader.listing_count
        + call_count
        + loader.policy_count
        + contract_count
        + deal_count
        + file_count
        + follow_count
    )


@contextmanager
def quick_sqlite_commits() -> Iterator[None]:
    """While loading, SQLite commits without waiting for the disk (synchronous=NORMAL in WAL mode: a crash of
    the machine may lose the last commits, never corrupt the file). The seed's ~1,500 small commits spent most
    of their time in fsync. Other databases are left as they are."""
    engine = db.engine
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":  # tests lend a Connection
        yield
        return

    def normal(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    db.session.remove()
    engine.dispose()  # connections opened from here on get the pragma
    event.listen(engine, "connect", normal)
    try:
        yield
    finally:
        db.session.remove()
        event.remove(engine, "connect", normal)
        engine.dispose()


class _Loader:
    def __init__(self, progress, timeline: Timeline):
        self.progress = progress
        self.timeline = timeline
        self.users: dict[str, User] = {}
        self.created: dict[tuple[str, str], tuple[int, str]] = {}  # (kind, title) → (id, owner's e-mail)
        self.admin: User | None = None
        self.organisations = 0
        self.listing_count = 0
        self.policy_count = 0

    # ---- organisations and accounts ----------------------------------------------------------------

    def accounts(self) -> None:
        total = 1 + len(INSTITUTION_ACCOUNTS) + len(REGISTERED_ACCOUNTS)
        self.admin = self._create(OPERATOR, 0)
        for number, account in enumerate(INSTITUTION_ACCOUNTS, start=1):
            self._create(account, number)
        self.progress(f"账号 {len(self.users)}/{total}（高校院所、技术转移机构与平台运营）")
        for number, account in enumerate(REGISTERED_ACCOUNTS):
            self._register(account, number)
        self.progress(f"账号 {len(self.users)}/{total}（企业自主注册与认证）")
        self.progress(f"机构 {self.organisations}/{self.organisations}")

    def _create(self, account: dict, number: int) -> User:
        """As `flask market create-user` does; the admin then completes the organisation's profile."""
        org = account["org"]
        is_new = db.session.scalar(select(Organisation.id).where(Organisation.name == org["name"])) is None
        with happening(self.timeline.account(account["email"], number)):
            user = create_user(
                account["email"], DEMO_PASSWORD, account["role"], org["name"], account["display_name"]
            )
            self.users[user.email] = user
            if is_new:
                self.organisations += 1
                update_organisation_profile(
                    self.admin or user,
                    user.organisation_id,
                    {
                        "kind": org["kind"],
                        "region": org["region"],
                        "credit_code": demo_credit_code(org["name"], org["kind"], org["region"]),
                    },
                )
        return user

    def _register(self, account: dict, number: int) -> User:
        """As the public registration form does; then the admin verifies, rejects or leaves it pending."""
        org = account["org"]
        registered = self.timeline.account(account["email"], number, account["decision"])
        with happening(registered):
            user = register_account(
                {
                    "email": account["email"],
                    "password": DEMO_PASSWORD,
                    "display_name": account["display_name"],
                    "role": account["role"],
                    "org_name": org["name"],
                    "org_kind": org["kind"],
                    "region": org["region"],
                    "credit_code": demo_credit_code(org["name"], org["kind"], org["region"]),
                }
            )
        self.users[user.email] = user
        self.organisations += 1
        if account["decision"]:
            days = 1 if account["decision"] == "approve" else 2
            with happening(self.timeline.after(registered, days, "verify:" + account["email"])):
                if account["decision"] == "approve":
                    decide_verification(self.admin, user.organisation_id, True)
                else:
                    decide_verification(self.admin, user.organisation_id, False, account["note"])
        return user

    def brokers(self) -> None:
        for number, (email, profile) in enumerate(BROKER_PROFILES.items(), start=1):
            broker = self.users[email]
            with happening(self.timeline.after(self.timeline.joined[email], 1, "profile:" + email)):
                update_broker_profile(
                    broker, broker.id, {"specialties": profile["specialties"], "bio": profile["bio"]}
                )
            with happening(self.timeline.after(self.timeline.joined[email], 3, "certify:" + email)):
                update_broker_profile(
                    self.admin, broker.id, {"certification_level": profile["certification_level"]}
                )
            self.progress(f"经纪人 {number}/{len(BROKER_PROFILES)}")

    # ---- listings and policies -----------------------------------------------------------------------

    def listings(self, kind: str, items: list[dict], label: str) -> None:
        # Created oldest first: the first entries of each file were published most recently.
        planned = sorted(
            (
                (self.timeline.listing(kind, position, len(items), item), item)
                for position, item in enumerate(items)
            ),
            key=lambda pair: pair[0],
        )
        for number, (published, item) in enumerate(planned, start=1):
            owner = self.users[item["owner"]]
            data = self._listing_data(item)
            with happening(published):
                listing = create_listing(owner, kind, data, submit=item.get("then") != "draft")
            self.created[(kind, item.get("title") or item["name"])] = (listing.id, item["owner"])
            if item.get("then") == "withdraw":
                with happening(self.timeline.withdrawal(published, f"withdraw:{kind}:{listing.id}")):
                    change_status(owner, kind, listing.id, "withdraw", item.get("note", ""))
            self.listing_count += 1
            if number % 10 == 0 or number == len(items):
                self.progress(f"{label} {number}/{len(items)}")

    def _listing_data(self, item: dict) -> dict:
        data = {k: v for k, v in item.items() if k not in _SEED_ONLY_KEYS}
        if "deadline_days" in item:  # counted from the day the seed runs, not the day it was published
            days = item["deadline_days"]
            data["deadline"] = self.timeline.today + timedelta(days=days) if days is not None else None
        name, phone = CONTACTS[item["owner"]]
        data.setdefault("contact_name", name)
        data.setdefault("contact_phone", phone)
        data.setdefault("contact_email", item["owner"])
        return data

    def policies(self) -> None:
        # The operator filled the policy library in its first weeks, newer documents a week after they came
        # out.
        for number, item in enumerate(POLICIES):
            issued = date.fromisoformat(item["published_on"]) if item.get("published_on") else None
            day = max(
                self.timeline.opened + timedelta(days=5 + number),
                issued + timedelta(days=7) if issued else date.min,
            )
            with happening(
                self.timeline.at(day, "policy:" + item["title"], self.timeline.joined[ADMIN_EMAIL])
            ):
                create_policy(self.admin, item)
            self.policy_count += 1
        self.progress(f"政策 {self.policy_count}/{len(POLICIES)}")
