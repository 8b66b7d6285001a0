"""Follows: a user saves listings (收藏) and follows organisations and technical fields (关注).

Only signed-in users follow, and each sees and changes only their own follows. Following something the user
cannot see is NotFound, as opening it would be. A followed listing that is withdrawn, expires or is deleted
(an organisation no longer public, a field retired) stays followed but is left out of the lists and counts
until it is visible again. When a listing is published (event `listing.published`, run by the worker), the
followers of its organisation and of its field get one 关注动态 notification each, unless they switched that
category off (notifications.SWITCHABLE).
"""

from dataclasses import dataclass

from sqlalchemy import and_, case, delete, func, or_, select

from market import events
from market.errors import NotFound, ValidationFailed
from market.extensions import db
from market.inputs.follows import FollowIn
from market.models import LISTING_MODELS, Field, Follow, Organisation, User
from market.models.base import utcnow
from market.models.vocab import FOLLOW_KINDS
from market.services import listings, organisation_pages
from market.services.base import Page, clamp_paging, parse_row_id, unit_of_work, upsert_insert
from market.services.notifications import add_notifications
from market.services.permissions import is_signed_in, require_signed_in

LISTING_KINDS = tuple(LISTING_MODELS)  # saved (收藏)
FOLLOWED_KINDS = ("organisation", "field")  # followed (关注)
LISTING_PATHS = {"achievement": "/achievements", "demand": "/demands", "equipment": "/equipment"}


@dataclass(frozen=True)
class FollowState:
    """What a 收藏/关注 button shows: whether the reader follows the target, and how many people do."""

    following: bool
    followers: int


@dataclass(frozen=True)
class FollowedItem:
    """One row of the actor's list: the follow and what it follows (a listing, an Organisation, a Field)."""

    follow: Follow
    target: object

    @property
    def kind(self) -> str:
        return self.follow.target_kind

    @property
    def name(self) -> str:
        return self.target.title if self.kind in LISTING_KINDS else self.target.name

    @property
    def organisation(self) -> Organisation | None:
        """Who published it (a listing), else None."""
        return self.target.organisation if self.kind in LISTING_KINDS else None

    @property
    def link(self) -> str:
        """The target's page, site-relative (a field: its results)."""
        if self.kind in LISTING_PATHS:
            return f"{LISTING_PATHS[self.kind]}/{self.target.id}"
        if self.kind == "organisation":
            return f"/orgs/{self.target.id}"
        return f"/achievements?field={self.target.name}"


@dataclass
class FollowingPage(Page):
    """One page of a kind of the actor's follows, with the counts of every tab and those left out."""

    kind: str = ""
    counts: dict | None = None  # kind → visible follows
    hidden: int = 0  # follows of this kind whose target is no longer visible


def _kind(kind) -> str:
    if kind not in FOLLOW_KINDS:
        raise NotFound("未知的关注类型")
    return kind


def visible_target(actor, kind: str, target_id) -> object:
    """The listing, organisation or field the actor may see; NotFound otherwise (as its page would be)."""
    kind = _kind(kind)
    if kind in LISTING_KINDS:
        return listings.get_listing(actor, kind, target_id)
    if kind == "organisation":
        return organisation_pages.visible_organisation(actor, target_id)
    row_id = parse_row_id(target_id)
    found = db.session.get(Field, row_id) if row_id else None
    if found is None or not found.active:
        raise NotFound("该技术领域不存在")
    return found


@unit_of_work
def follow(actor, data: dict) -> tuple[Follow, object, bool]:
    """Save a listing or follow an organisation or field ({kind, target_id}); following again is harmless.
    Returns the follow, what it follows and whether it is new."""
    require_signed_in(actor)
    values = FollowIn.clean(data)
    kind, target = values["kind"], visible_target(actor, values["kind"], values["target_id"])
    # ON CONFLICT DO NOTHING: a double click or a second tab cannot fail on the unique constraint.
    created = db.session.execute(
        upsert_insert(Follow)
        .values(user_id=actor.id, target_kind=kind, target_id=target.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "target_kind", "target_id"])
        .returning(Follow.id)
    ).first()
    row = db.session.scalar(
        select(Follow).where(
            Follow.user_id == actor.id, Follow.target_kind == kind, Follow.target_id == target.id
        )
    )
    return row, target, created is not None


@unit_of_work
def unfollow(actor, kind: str, target_id) -> bool:
    """Stop following (whether or not the target is still visible); returns whether a follow was removed."""
    require_signed_in(actor)
    kind, row_id = _kind(kind), parse_row_id(target_id)
    if row_id is None:
        return False
    result = db.session.execute(
        delete(Follow)
        .where(Follow.user_id == actor.id, Follow.target_kind == kind, Follow.target_id == row_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def follow_state(actor, kind: str, target_id: int) -> FollowState:
    """For a target the page already shows: whether the reader (anyone) follows it and how many do."""
    mine = case((Follow.user_id == actor.id, 1), else_=0) if is_signed_in(actor) else 0
    total, own = db.session.execute(
        select(func.count(Follow.id), func.coalesce(func.sum(mine), 0)).where(
            Follow.target_kind == _kind(kind), Follow.target_id == target_id
        )
    ).one()
    return FollowState(following=bool(own), followers=int(total))


def get_follow_state(actor, kind: str, target_id) -> FollowState:
    """The same for a target named by the client: NotFound when the actor may not see it."""
    target = visible_target(actor, kind, target_id)
    return follow_state(actor, kind, target.id)


# ---- the actor's lists -----------------------------------------------------------------------------


def _visible_join(actor, kind: str):
    """(target model, join condition with Follow, visibility condition) for one kind."""
    if kind in LISTING_KINDS:
        model = LISTING_MODELS[kind]
        return model, model.id == Follow.target_id, listings.live_condition(model)
    if kind == "organisation":
        return Organisation, Organisation.id == Follow.target_id, organisation_pages.visible_condition(actor)
    return Field, Field.id == Follow.target_id, Field.active.is_(True)


def _mine(actor, kind: str):
    return and_(Follow.user_id == actor.id, Follow.target_kind == kind)


def _counts(actor) -> tuple[dict, dict]:
    """Visible and all follows per kind, in one statement."""
    columns = []
    for kind in FOLLOW_KINDS:
        model, joined, visible = _visible_join(actor, kind)
        columns.append(
            select(func.count())
            .select_from(Follow)
            .join(model, joined)
            .where(_mine(actor, kind), visible)
            .scalar_subquery()
        )
        columns.append(select(func.count()).select_from(Follow).where(_mine(actor, kind)).scalar_subquery())
    row = db.session.execute(select(*columns)).one()
    visible = {kind: int(row[2 * n]) for n, kind in enumerate(FOLLOW_KINDS)}
    every = {kind: int(row[2 * n + 1]) for n, kind in enumerate(FOLLOW_KINDS)}
    return visible, every


def following_counts(actor) -> dict:
    """How many visible things of each kind the actor follows."""
    require_signed_in(actor)
    return _counts(actor)[0]


def list_following(actor, kind: str, page=1, per_page=20) -> FollowingPage:
    """One page of what the actor follows of a kind, most recently followed first; targets no longer visible
    are left out (and counted as hidden)."""
    require_signed_in(actor)
    if kind not in FOLLOW_KINDS:
        raise ValidationFailed({"kind": f"关注类型无效，可选：{'、'.join(FOLLOW_KINDS)}"})
    page, per_page = clamp_paging(page, per_page)
    visible, every = _counts(actor)
    model, joined, condition = _visible_join(actor, kind)
    rows = db.session.execute(
        select(Follow, model)
        .join(model, joined)
        .where(_mine(actor, kind), condition)
        .order_by(Follow.created_at.desc(), Follow.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique()
    return FollowingPage(
        items=[FollowedItem(follow, target) for follow, target in rows],
        page=page,
        per_page=per_page,
        total=visible[kind],
        kind=kind,
        counts=visible,
        hidden=every[kind] - visible[kind],
    )


# ---- 关注动态: what followers hear of a new listing --------------------------------------------------


@events.subscribe("listing.published")
def notify_followers(payload: dict) -> None:
    """Tell the followers of a newly published listing's organisation and field, once per person and
    listing (someone following both hears it as the organisation's); its own organisation is not told."""
    model = LISTING_MODELS.get(payload.get("kind"))
    listing = db.session.get(model, payload.get("listing_id")) if model else None
    if listing is None or listing.status != "published":
        return  # withdrawn or deleted before the worker got to it
    targets = [and_(Follow.target_kind == "organisation", Follow.target_id == listing.org_id)]
    if listing.field_id is not None:
        targets.append(and_(Follow.target_kind == "field", Follow.target_id == listing.field_id))
    rows = db.session.execute(
        select(Follow.user_id, Follow.target_kind)
        .join(User, User.id == Follow.user_id)
        .where(
            or_(*targets),
            Follow.created_at <= listing.published_at,  # who followed by then (the seed replays the past)
            User.active.is_(True),
            or_(User.organisation_id.is_(None), User.organisation_id != listing.org_id),
        )
    ).all()
    by_org = sorted({user_id for user_id, kind in rows if kind == "organisation"})
    by_field = sorted({user_id for user_id, _kind_ in rows} - set(by_org))
    kind_label, link = FOLLOW_KINDS[listing.kind], f"{LISTING_PATHS[listing.kind]}/{listing.id}"
    key = f"follow:{listing.kind}:{listing.id}"  # one per person and listing, even if it is published again
    data = {"kind": listing.kind, "listing_id": listing.id}
    add_notifications(
        by_org,
        "follow",
        f"{listing.organisation.name}发布了新{kind_label}：{listing.title}",
        body="您关注的单位有新发布",
        link=link,
        data={**data, "because": "organisation", "org_id": listing.org_id},
        dedupe_key=key,
    )
    if by_field:
        field_name = listing.field.name
        add_notifications(
            by_field,
            "follow",
            f"{field_name}领域有新{kind_label}：{listing.title}",
            body=f"您关注的技术领域「{field_name}」有新发布（{listing.organisation.name}）",
            link=link,
            data={**data, "because": "field", "field_id": listing.field_id},
            dedupe_key=key,
        )
