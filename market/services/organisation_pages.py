"""An organisation's public page: the profile with its verification, its live results, demands and
instruments, and — for its own members and admins only — its contracts.

Who sees the page: everyone, when the organisation is verified or has published something (its listings are
public anyway); its members and admins always. An organisation that is pending or rejected and has published
nothing is "not found" for everyone else, so a registration that was refused never becomes a public page.
"""

from dataclasses import dataclass, field

from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.orm import selectinload

from market.errors import NotFound, PermissionDenied
from market.extensions import db
from market.models import LISTING_MODELS, Organisation
from market.models.contract import Contract
from market.services import listings
from market.services.base import Page, paginate
from market.services.contracts import visible_contracts
from market.services.organisations import get_organisation
from market.services.permissions import can_see_contact, is_admin, is_signed_in

KINDS = tuple(LISTING_MODELS)  # achievement, demand, equipment
CONTACTS_SHOWN = 3


@dataclass(frozen=True)
class OrgContact:
    name: str | None
    phone: str | None
    email: str | None


@dataclass
class OrganisationPage:
    organisation: Organisation
    counts: dict  # kind → live listings
    sees_contracts: bool  # the reader is a member (or an admin): the contracts tab is theirs
    is_member: bool
    contacts: list[OrgContact] | None = None  # None: the reader may not see contact details
    tab: str = ""  # the part the page shows: a kind, or "contracts"
    items: Page | None = field(default=None)  # that part's page


def is_member(actor, org: Organisation) -> bool:
    return is_signed_in(actor) and actor.organisation_id is not None and actor.organisation_id == org.id


def sees_contracts(actor, org: Organisation) -> bool:
    """Members of the organisation and admins see its contracts on its page."""
    return is_admin(actor) or is_member(actor, org)


def _live_counts(org_id: int) -> tuple[dict, bool]:
    """Its live listings per kind, and whether it has any public one (published or expired): one statement."""
    counts = [
        select(func.count())
        .select_from(model)
        .where(model.org_id == org_id, listings.live_condition(model))
        .scalar_subquery()
        for model in LISTING_MODELS.values()
    ]
    public = or_(
        *(
            exists().where(model.org_id == org_id, model.status.in_(("published", "expired")))
            for model in LISTING_MODELS.values()
        )
    )
    row = db.session.execute(select(*counts, public)).one()
    return dict(zip(KINDS, (int(n) for n in row[:-1]))), bool(row[-1])


def _visible(actor, org_id) -> tuple[Organisation, dict]:
    org = get_organisation(org_id)
    counts, has_public = _live_counts(org.id)
    if not (org.is_verified or has_public or sees_contracts(actor, org)):
        raise NotFound("该单位不存在")
    return org, counts


def visible_organisation(actor, org_id) -> Organisation:
    """The organisation, if the actor may see its page; NotFound otherwise."""
    return _visible(actor, org_id)[0]


def visible_condition(actor):
    """The organisations whose page the actor may see, as a condition on Organisation (the rule of _visible,
    for lists)."""
    if is_admin(actor):
        return true()
    published = or_(
        *(
            exists().where(model.org_id == Organisation.id, model.status.in_(("published", "expired")))
            for model in LISTING_MODELS.values()
        )
    )
    condition = or_(Organisation.verification_state == "verified", published)
    if is_signed_in(actor) and actor.organisation_id is not None:
        condition = or_(condition, Organisation.id == actor.organisation_id)
    return condition


def _contacts(org_id: int) -> list[OrgContact]:
    """The contacts its live listings give (different ones, at most a few): the organisation has no contact
    of its own."""
    found: list[OrgContact] = []
    for model in LISTING_MODELS.values():
        rows = db.session.execute(
            select(model.contact_name, model.contact_phone, model.contact_email)
            .where(model.org_id == org_id, listings.live_condition(model))
            .where(or_(model.contact_phone.is_not(None), model.contact_email.is_not(None)))
            .distinct()
            .limit(CONTACTS_SHOWN)
        )
        for row in rows:
            contact = OrgContact(*row)
            if contact not in found and len(found) < CONTACTS_SHOWN:
                found.append(contact)
    return found


def get_organisation_page(actor, org_id) -> OrganisationPage:
    """The profile, live listing counts and (for readers who may see them) contact details."""
    org, counts = _visible(actor, org_id)
    return OrganisationPage(
        organisation=org,
        counts=counts,
        sees_contracts=sees_contracts(actor, org),
        is_member=is_member(actor, org),
        contacts=_contacts(org.id) if can_see_contact(actor) else None,
    )


def _organisation_listings(org: Organisation, kind: str, page, per_page) -> Page:
    return listings.list_public_listings(kind, {"org_id": org.id}, page, per_page)


def _organisation_contracts(actor, org: Organisation, page, per_page) -> Page:
    query = (
        visible_contracts(actor)
        .where(or_(Contract.seller_org_id == org.id, Contract.buyer_org_id == org.id))
        .options(selectinload(Contract.seller), selectinload(Contract.buyer))
        .order_by(Contract.signed_on.desc(), Contract.id.desc())
    )
    return paginate(query, page, per_page)


def list_organisation_listings(actor, org_id, kind: str, page=1, per_page=20) -> Page:
    """One page of the organisation's live listings of a kind, newest first."""
    listings.model_for(kind)
    org, _counts = _visible(actor, org_id)
    return _organisation_listings(org, kind, page, per_page)


def list_organisation_contracts(actor, org_id, page=1, per_page=20) -> Page:
    """One page of the contracts the organisation is a party to, for its members and admins."""
    org, _counts = _visible(actor, org_id)
    if not sees_contracts(actor, org):
        raise PermissionDenied("仅本单位成员和管理员可以查看本单位的技术合同")
    return _organisation_contracts(actor, org, page, per_page)


def organisation_page(actor, org_id, tab: str = "", page=1, per_page=20) -> OrganisationPage:
    """The whole page: profile and one part of it (a kind of listing, or the contracts for members), paged.

    A tab the reader may not open (contracts for others) or that does not exist falls back to the first kind
    with listings."""
    result = get_organisation_page(actor, org_id)
    org = result.organisation
    if tab == "contracts" and result.sees_contracts:
        result.tab, result.items = tab, _organisation_contracts(actor, org, page, per_page)
        return result
    if tab not in KINDS:
        tab = next((kind for kind in KINDS if result.counts[kind]), KINDS[0])
    result.tab, result.items = tab, _organisation_listings(org, tab, page, per_page)
    return result
