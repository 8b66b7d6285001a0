import pytest
from sqlalchemy import select

from market.errors import PermissionDenied, ValidationFailed
from market.models import AuditEntry
from market.services import organisations
from market.services.codes import credit_code_with_check

CODE = credit_code_with_check("91611103MA6TQ0012")


def test_admin_updates_region_kind_and_credit_code_with_an_audit_entry(make_user, make_org, db):
    admin = make_user("admin")
    org = make_org(kind="university", region="其他", credit_code=None)
    organisations.update_organisation_profile(
        admin, org.id, {"kind": "institute", "region": "沣西", "credit_code": " " + CODE.lower() + " "}
    )
    org = organisations.get_organisation(org.id)
    assert (org.kind, org.region, org.credit_code) == ("institute", "沣西", CODE)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.update"))
    assert entry.actor_id == admin.id and entry.changes["region"] == ["其他", "沣西"]


def test_only_the_fields_given_change(make_user, make_org):
    admin = make_user("admin")
    org = make_org(region="秦汉")
    organisations.update_organisation_profile(admin, org.id, {"region": "空港"})
    org = organisations.get_organisation(org.id)
    assert org.region == "空港" and org.kind == "university" and org.credit_code


def test_non_admin_may_not_update_an_organisation(make_user):
    member = make_user("university")
    with pytest.raises(PermissionDenied):
        organisations.update_organisation_profile(member, member.organisation_id, {"region": "沣东"})


@pytest.mark.parametrize(
    "data, field",
    [
        ({"credit_code": CODE[:-1] + ("1" if CODE[-1] != "1" else "2")}, "credit_code"),
        ({"region": "雁塔"}, "region"),
        ({"kind": "bank"}, "kind"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_values_are_rejected_per_field(make_user, make_org, data, field):
    admin = make_user("admin")
    org = make_org()
    with pytest.raises(ValidationFailed) as info:
        organisations.update_organisation_profile(admin, org.id, data)
    assert field in info.value.fields


def test_name_and_credit_code_stay_unique(make_user, make_org):
    admin = make_user("admin")
    taken = make_org(name="西咸新区甲公司", kind="enterprise", credit_code=CODE)
    org = make_org(kind="enterprise")
    with pytest.raises(ValidationFailed) as info:
        organisations.update_organisation_profile(admin, org.id, {"name": taken.name, "credit_code": CODE})
    assert set(info.value.fields) == {"name", "credit_code"}


def test_kind_must_suit_the_members_roles(make_user):
    admin = make_user("admin")
    member = make_user("enterprise")
    with pytest.raises(ValidationFailed) as info:
        organisations.update_organisation_profile(admin, member.organisation_id, {"kind": "university"})
    assert "kind" in info.value.fields


@pytest.mark.parametrize(
    "note, message_part", [(["材料不全"], "文字"), ("长" * 501, "500"), ("原因\x00", "空字符")]
)
def test_verification_note_is_validated_not_truncated_or_crashing(make_user, make_org, note, message_part):
    org = make_org(verification_state="pending")
    with pytest.raises(ValidationFailed) as caught:
        organisations.decide_verification(make_user("admin"), org.id, False, note)
    assert message_part in caught.value.fields["note"]
    assert organisations.get_organisation(org.id).verification_state == "pending"


@pytest.mark.parametrize("org_id", [0, 2**31, "x", None])
def test_impossible_organisation_ids_are_not_found(org_id):
    from market.errors import NotFound

    with pytest.raises(NotFound):
        organisations.get_organisation(org_id)
