import pytest

from market.errors import NotFound, ValidationFailed
from market.services import accounts
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "sent, stored", [(False, False), ("0", False), ("false", False), (True, True), ("1", True), ("on", True)]
)
def test_update_user_reads_the_active_flag_as_the_html_form_and_json_send_it(make_user, sent, stored):
    admin, user = make_user("admin"), make_user("enterprise", active=not stored)
    assert accounts.update_user(admin, user.id, {"active": sent}).active is stored


@pytest.mark.parametrize(
    "data, field",
    [
        ({"active": "maybe"}, "active"),
        ({"active": 2}, "active"),
        ({"active": None}, "active"),
        ({"active": []}, "active"),
        ({"role": ["admin"]}, "role"),
        ({"role": None}, "role"),
        ({"role": "root"}, "role"),
    ],
)
def test_update_user_refuses_odd_values_instead_of_guessing(make_user, data, field):
    admin, user = make_user("admin"), make_user("enterprise")
    with pytest.raises(ValidationFailed) as caught:
        accounts.update_user(admin, user.id, data)
    assert field in caught.value.fields
    assert (user.role, user.active) == ("enterprise", True)


@pytest.mark.parametrize("user_id", [0, -1, 2**31, "abc", None])
def test_update_user_with_an_impossible_id_is_not_found(make_user, user_id):
    with pytest.raises(NotFound):
        accounts.update_user(make_user("admin"), user_id, {"active": False})


@pytest.mark.parametrize("old", [None, 12345678, ["x"], b"bytes"])
def test_change_password_with_a_non_text_old_password_is_a_validation_error(make_user, old):
    with pytest.raises(ValidationFailed) as caught:
        accounts.change_password(make_user(), old, "NewPassw0rd")
    assert caught.value.fields == {"old_password": "当前密码不正确"}


def test_list_users_ignores_control_characters_in_the_search_text(make_user):
    admin = make_user("admin")
    target = make_user("enterprise", display_name="张经理")
    assert [u.id for u in accounts.list_users(admin, "\x00张经理\x01").items] == [target.id]
    assert accounts.authenticate(target.email, PASSWORD).id == target.id
