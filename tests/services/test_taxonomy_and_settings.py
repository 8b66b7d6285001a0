import pytest
from sqlalchemy import select

from market.errors import PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import AuditEntry, Field
from market.services import settings, taxonomy


def _field(name="光子") -> Field:
    return db.session.scalar(select(Field).where(Field.name == name))


@pytest.mark.parametrize(
    "sent, stored", [("0", False), ("1", True), (False, False), (True, True), ("false", False)]
)
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
    assert settings.get_settings(admin) == {"auto_publish_verified": True, "deal_stale_days": 14}
    assert settings.update_settings(admin, {"auto_publish_verified": "0"}) == {
        "auto_publish_verified": False,
        "deal_stale_days": 14,
    }
    assert settings.auto_publish_verified() is False
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setting.update"))
    assert entry.changes == {"auto_publish_verified": ["1", "0"]}  # the default counts as the old value
    for call in (
        lambda u: settings.get_settings(u),
        lambda u: settings.update_settings(u, {"auto_publish_verified": True}),
    ):
        with pytest.raises(PermissionDenied):
            call(make_user("enterprise"))


@pytest.mark.parametrize("data", [{}, {"auto_publish_verified": None}, {"auto_publish_verified": "perhaps"}])
def test_settings_need_an_explicit_yes_or_no(make_user, data):
    with pytest.raises(ValidationFailed) as caught:
        settings.update_settings(make_user("admin"), data)
    assert "auto_publish_verified" in caught.value.fields
    assert settings.auto_publish_verified() is True


# ---- the deal stale-days setting (对接停滞提醒天数) --------------------------------------------------------


def _stale_days_row():
    from market.models import Setting

    row = db.session.get(Setting, "deal_stale_days")
    return row.value if row else None


def test_stale_days_are_set_by_admins_and_used_by_deals(make_user):
    from market.services import deals

    admin = make_user("admin")
    assert settings.update_settings(admin, {"auto_publish_verified": True, "deal_stale_days": "30"}) == {
        "auto_publish_verified": True,
        "deal_stale_days": 30,
    }
    assert settings.get_settings(admin)["deal_stale_days"] == 30 and deals.stale_days() == 30
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "setting.update"))
    assert [e.changes for e in entries if "deal_stale_days" in e.changes] == [
        {"deal_stale_days": ["14", "30"]}
    ]
    assert (
        settings.update_settings(admin, {"auto_publish_verified": True, "deal_stale_days": 7.0})[
            "deal_stale_days"
        ]
        == 7
    )
    with pytest.raises(PermissionDenied):
        settings.update_settings(make_user("broker"), {"auto_publish_verified": True, "deal_stale_days": 1})
    assert settings.deal_stale_days() == 7


@pytest.mark.parametrize(
    "data", [{"auto_publish_verified": False}, {"auto_publish_verified": False, "deal_stale_days": None}]
)
def test_leaving_out_stale_days_keeps_them(make_user, data):
    admin = make_user("admin")
    settings.update_settings(admin, {"auto_publish_verified": True, "deal_stale_days": 21})
    assert settings.update_settings(admin, data) == {"auto_publish_verified": False, "deal_stale_days": 21}
    assert _stale_days_row() == "21"


@pytest.mark.parametrize("value", [0, 366, -3, "", "  ", "两周", "7天", 7.5, True, [7], {"days": 7}])
def test_bad_stale_days_are_refused_and_change_nothing(make_user, value):
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as caught:
        settings.update_settings(admin, {"auto_publish_verified": False, "deal_stale_days": value})
    assert "对接停滞提醒天数" in caught.value.fields["deal_stale_days"]
    assert settings.auto_publish_verified() is True  # the other setting is not half-saved
    assert _stale_days_row() is None and settings.deal_stale_days() == 14


@pytest.mark.parametrize("value", [1, 365, "60"])
def test_stale_days_accept_the_whole_range(make_user, value):
    settings.update_settings(make_user("admin"), {"auto_publish_verified": True, "deal_stale_days": value})
    assert settings.deal_stale_days() == int(value)


def test_the_settings_page_edits_stale_days(client, login, make_user):
    login(make_user("admin"))
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "对接停滞提醒天数" in page and 'name="deal_stale_days"' in page and 'value="14"' in page
    response = client.post("/admin/settings", data={"auto_publish_verified": "1", "deal_stale_days": "21"})
    assert response.status_code == 302
    assert settings.deal_stale_days() == 21 and settings.auto_publish_verified() is True
    assert 'value="21"' in client.get("/admin/settings").get_data(as_text=True)

    response = client.post("/admin/settings", data={"deal_stale_days": "400"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "对接停滞提醒天数应在1到365之间" in html and 'value="400"' in html
    assert settings.deal_stale_days() == 21 and settings.auto_publish_verified() is True  # nothing saved

    response = client.post("/admin/settings", data={"deal_stale_days": "30"})  # the switch left off
    assert response.status_code == 302
    assert settings.deal_stale_days() == 30 and settings.auto_publish_verified() is False


def test_only_admins_reach_the_settings_page(client, login, make_user):
    login(make_user("broker"))
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data={"deal_stale_days": "1"}).status_code == 403
    assert settings.deal_stale_days() == 14
