"""Who sees suggestions, and the suggestions a page or the API shows for one listing (results, demands,
instruments)."""

from sqlalchemy import select

from market import search
from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.matching import scoring
from market.models import Equipment
from market.search import IndexUnavailable
from market.services.base import parse_row_id
from market.services.matching.evidence import MATCHED, OTHER, _source_text
from market.services.matching.suggestions import at_least, compute_matches
from market.services.permissions import can_manage, is_signed_in


def can_see_matches(actor, listing) -> bool:
    """The listing's own organisation, brokers and admins."""
    return is_signed_in(actor) and (actor.role == "broker" or can_manage(actor, listing))


def suggestions_for(actor, kind: str, listing_id, limit=10, min_band: str = "中") -> tuple[object, list]:
    """A listing and its suggested counterparts of min_band or better, for those allowed to see them.

    min_band 弱 gives the whole ranking, weak suggestions included, in the same order."""
    if kind not in MATCHED:
        raise NotFound("未知的类型")
    row_id = parse_row_id(listing_id)
    listing = db.session.get(MATCHED[OTHER[kind]], row_id) if row_id else None
    if listing is None or not (listing.is_public or can_manage(actor, listing)):
        raise NotFound("该内容不存在")
    if not can_see_matches(actor, listing):
        raise PermissionDenied("只有发布单位、技术经纪人和管理员可以查看匹配推荐")
    limit, min_band = _bounded_limit(limit), band_filter(min_band)
    return listing, at_least(compute_matches(listing, limit), min_band)


def band_filter(value) -> str:
    """The lowest band asked for (中 when not given); anything else is refused."""
    value = value or "中"
    if value not in scoring.BANDS:
        raise ValidationFailed({"min_band": "最低匹配等级应为 强、中 或 弱"})
    return value


def instruments_for(actor, demand, limit: int = 3) -> list:
    """Shared instruments whose description shares the demand's words (from the index), for the same
    viewers."""
    if not can_see_matches(actor, demand):
        raise PermissionDenied("只有发布单位、技术经纪人和管理员可以查看匹配推荐")
    try:
        hits = search.backend().similar("equipment", _source_text(demand)[:600], limit=limit)
    except IndexUnavailable:
        return []
    found = {
        e.id: e
        for e in db.session.scalars(
            select(Equipment).where(
                Equipment.id.in_([h.object_id for h in hits]), Equipment.status == "published"
            )
        )
    }
    return [found[h.object_id] for h in hits if h.object_id in found]


def _bounded_limit(limit) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise ValidationFailed({"limit": "数量必须是 1 到 50 之间的整数"}) from None
    if not 1 <= value <= 50:
        raise ValidationFailed({"limit": "数量必须是 1 到 50 之间的整数"})
    return value
