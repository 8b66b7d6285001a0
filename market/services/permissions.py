"""Who may do what. Services call these; templates only mirror them."""

from market.errors import PermissionDenied

# Roles allowed to publish each kind of listing (admins may publish anything).
CREATOR_ROLES = {
    "achievement": {"university", "enterprise", "admin"},
    "demand": {"enterprise", "admin"},
    "equipment": {"university", "enterprise", "admin"},
}


def is_signed_in(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def is_admin(actor) -> bool:
    return is_signed_in(actor) and actor.role == "admin"


def can_create(actor, kind: str) -> bool:
    return is_signed_in(actor) and actor.role in CREATOR_ROLES[kind] and actor.organisation_id is not None


def owns(actor, listing) -> bool:
    """The actor belongs to the listing's organisation and has a role that publishes this kind."""
    return (
        is_signed_in(actor)
        and actor.organisation_id is not None
        and actor.organisation_id == listing.org_id
        and actor.role in CREATOR_ROLES[listing.kind]
    )


def can_manage(actor, listing) -> bool:
    return is_admin(actor) or owns(actor, listing)


def can_view(actor, listing) -> bool:
    return listing.is_public or can_manage(actor, listing)


def can_see_contact(actor) -> bool:
    """Contact details are for signed-in users of verified organisations (and admins)."""
    return is_signed_in(actor) and actor.is_verified


def require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied("仅管理员可执行此操作")


def require_signed_in(actor) -> None:
    if not is_signed_in(actor):
        raise PermissionDenied("请先登录")
