"""Sessions that end (issue 16, part 2): logout, a password change, deactivation, a password reset and an
admin's "sign out everywhere" end every session of that user; an old cookie gets the login page."""

from tests.conftest import PASSWORD


def _copy_session(source, target):
    """What an attacker does with a stolen cookie: replay it from another browser."""
    target.set_cookie("session", source.get_cookie("session").value)
    return target


def _signed_in_elsewhere(app, user):
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert other.get("/my/").status_code == 200
    return other


def _sent_to_login(client):
    response = client.get("/my/")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_copied_before_logout_no_longer_opens_anything(app, client, make_user, login):
    login(make_user())
    stolen = _copy_session(client, app.test_client())
    assert stolen.get("/my/").status_code == 200
    client.post("/logout")
    assert _sent_to_login(stolen) and _sent_to_login(client)


def test_logout_ends_the_sessions_on_other_devices_too(app, client, make_user, login):
    user = login(make_user())
    laptop = _signed_in_elsewhere(app, user)
    client.post("/logout")
    assert _sent_to_login(laptop)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, make_user, login):
    user = login(make_user())
    laptop = _signed_in_elsewhere(app, user)
    stolen = _copy_session(client, app.test_client())
    response = client.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": "Another-Pass-2026",
            "new_password_again": "Another-Pass-2026",
        },
    )
    assert response.status_code == 302
    assert client.get("/my/").status_code == 200  # the browser that changed it stays signed in
    assert _sent_to_login(laptop) and _sent_to_login(stolen)


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(app, client, make_user, login):
    target = make_user()
    laptop = _signed_in_elsewhere(app, target)
    login(make_user("admin"))
    client.post(f"/users/{target.id}", data={"active": "0"})
    assert client.post(f"/admin/users/{target.id}", data={"active": "0"}).status_code == 302
    assert _sent_to_login(laptop)
    client.post(f"/admin/users/{target.id}", data={"active": "1"})
    assert _sent_to_login(laptop)  # its cookie carries the old session version


def test_an_admin_signs_a_user_out_everywhere_and_revokes_their_tokens(
    app, client, make_user, login, api_token
):
    target = make_user()
    laptop = _signed_in_elsewhere(app, target)
    token = api_token(target)
    login(make_user("admin"))
    page = client.get("/admin/users")
    assert "全部退出登录" in page.get_data(as_text=True)
    response = client.post(f"/admin/users/{target.id}/sign-out", follow_redirects=True)
    assert "已让" in response.get_data(as_text=True) and "所有设备上退出登录" in response.get_data(
        as_text=True
    )
    assert _sent_to_login(laptop)
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_sign_out_everywhere_over_the_api_is_for_admins_only(app, client, make_user, api_token):
    target, someone, admin = make_user(), make_user(), make_user("admin")
    laptop = _signed_in_elsewhere(app, target)
    assert client.post(f"/api/v1/users/{target.id}/sign-out").status_code == 401
    assert client.post(f"/api/v1/users/{target.id}/sign-out", headers=api_token(someone)).status_code == 403
    assert not _sent_to_login(laptop)
    response = client.post(f"/api/v1/users/{target.id}/sign-out", headers=api_token(admin))
    assert response.status_code == 200 and response.get_json()["id"] == target.id
    assert _sent_to_login(laptop)
    assert client.post("/api/v1/users/999999/sign-out", headers=api_token(admin)).status_code == 404
