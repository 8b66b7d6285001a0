import pytest
from sqlalchemy import select

from market.errors import PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import AuditEntry, Field
from market.services import settings, taxonomy


def _field(name="光子") -> Field:
    return db.session.scalar(select(Field).where(Field.name == name))


@pytest.mark.parametrize("sent, stored", [("0", False), ("1", True), (False, False), (True, True), ("false", False)])
def test_update_field_reads_the_active_flag_as_the_html_form_and_json_send_it(make_user, sent, stored):
    field = _field()
    field.active = not stored
    db.session.commit()
    assert taxonomy.update_field(make_user("admin"), field.id, {"active": sent}).active is stored


@pytest.mark.parametrize("sent", ["no-thanks", 2, [0], None])
def test_update_field_refuses_odd_active_values(make_user, sent):
    with pytest.raises(ValidationFailed) as caught:
        taxonomy.update_field(make_user("admin"), _field().id, {"active": sent})
    assert "active" in caught.value.fields
    assert _field().active is True


def test_update_field_changes_only_what_is_given(make_user):
    field = _field()
    position = field.position
    updated = taxonomy.update_field(make_user("admin"), field.id, {"name": "光子技术"})
    assert (updated.name, updated.position, updated.active) == ("光子技术", position, True)


def test_all_fields_for_admins_include_retired_ones(make_user):
    admin = make_user("admin")
    taxonomy.update_field(admin, _field().id, {"active": False})
    assert "光子" in [f.name for f in taxonomy.list_all_fields(admin)]
    assert "光子" not in taxonomy.field_names()
    with pytest.raises(PermissionDenied):
        taxonomy.list_all_fields(make_user("university"))


def test_settings_are_read_and_replaced_by_admins_only(make_user):
    admin = make_user("admin")
    assert settings.get_settings(admin) == {"auto_publish_verified": True}
    assert settings.update_settings(admin, {"auto_publish_verified": "0"}) == {"auto_publish_verified": False}
    assert settings.auto_publish_verified() is False
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setting.update"))
    assert entry.changes == {"auto_publish_verified": ["1", "0"]}  # the default counts as the old value
    for call in (lambda u: settings.get_settings(u), lambda u: settings.update_settings(u, {"auto_publish_verified": True})):
        with pytest.raises(PermissionDenied):
            call(make_user("enterprise"))


@pytest.mark.parametrize("data", [{}, {"auto_publish_verified": None}, {"auto_publish_verified": "perhaps"}])
def test_settings_need_an_explicit_yes_or_no(make_user, data):
    with pytest.raises(ValidationFailed) as caught:
        settings.update_settings(make_user("admin"), data)
    assert "auto_publish_verified" in caught.value.fields
    assert settings.auto_publish_verified() is True
