"""Passwords (issue 16, part 4): length, the common list, the e-mail's name; a reset by e-mail with a
single-use, time-limited link, kept in the instance folder without SMTP and readable by admins."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from market.models import PasswordReset
from market.models.base import utcnow
from market.services.accounts import password_error
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "password, message",
    [
        ("Short-1", "密码至少10位"),
        ("password123", "该密码过于常见"),
        ("QWERTYUIOP1", "该密码过于常见"),  # the list is read case-insensitively
        ("aaaaaaaaaaaa", "该密码过于常见"),
        ("zhangsan-2026", "密码不能包含邮箱名"),
        ("x" * 129, "不能超过128位"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    assert message in password_error(password, "Zhangsan@example.cn")


@pytest.mark.parametrize("password", ["Xixian-tech-2026", "秦创原科技大市场欢迎您", "correct horse battery"])
def test_strong_passwords_pass(password):
    assert password_error(password, "zhangsan@example.cn") is None


def test_registration_says_why_a_password_is_refused(client):
    response = client.post(
        "/register", data={"email": "li@example.cn", "password": "password1", "password_again": "password1"}
    )
    assert response.status_code == 422 and "密码至少10位" in response.get_data(as_text=True)
    response = client.post(
        "/api/v1/registrations", json={"email": "li@example.cn", "password": "password1234"}
    )
    assert response.get_json()["error"]["fields"]["password"] == "该密码过于常见，容易被猜中，请换一个"


def _mail_link(client, admin_headers):
    kept = client.get("/api/v1/admin/mail", headers=admin_headers).get_json()["items"]
    assert kept, "no mail was kept"
    return kept[0], re.search(r"http://127\.0\.0\.1:5000(/password/reset/\S+)", kept[0]["body"]).group(1)


def test_a_forgotten_password_is_reset_through_the_mailed_link(app, client, make_user, login, api_token):
    user = make_user()
    admin_headers = api_token(make_user("admin"))
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": PASSWORD})
    old_token = api_token(user)

    page = client.get("/login")
    assert "忘记密码" in page.get_data(as_text=True)
    response = client.post("/password/forgot", data={"email": user.email.upper()}, follow_redirects=True)
    assert "如果该邮箱已注册，我们已发出重置密码的邮件" in response.get_data(as_text=True)
    mail, link = _mail_link(client, admin_headers)
    assert mail["to"] == user.email and mail["subject"] == "秦创原科技大市场：重置密码"

    assert client.get(link).status_code == 200
    mismatch = client.post(
        link, data={"new_password": "New-pass-2026", "new_password_again": "Other-pass-2026"}
    )
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    both = client.post(link, data={"new_password": "short", "new_password_again": "shorter"}).get_data(
        as_text=True
    )
    assert (
        "密码至少10位" in both and "两次输入的新密码不一致" in both
    )  # every message at once; the link still works
    done = client.post(
        link,
        data={"new_password": "New-pass-2026", "new_password_again": "New-pass-2026"},
        follow_redirects=True,
    )
    assert "密码已重置" in done.get_data(as_text=True)

    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": "New-pass-2026"}).status_code == 302
    assert laptop.get("/my/").status_code == 302  # every session ended
    assert client.get("/api/v1/me", headers=old_token).status_code == 401  # and every API token

    reused = client.get(link, follow_redirects=True)
    assert "重置链接无效或已过期" in reused.get_data(as_text=True)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, make_user, api_token):
    admin_headers = api_token(make_user("admin"))
    known = make_user()
    answers = [
        client.post("/api/v1/password-resets", json={"email": email})
        for email in (known.email, "nobody@example.cn")
    ]
    assert [a.status_code for a in answers] == [202, 202] and answers[0].get_json() == answers[1].get_json()
    kept = client.get("/api/v1/admin/mail", headers=admin_headers).get_json()["items"]
    assert [m["to"] for m in kept] == [known.email]


def test_an_expired_link_is_refused(client, make_user, api_token, db):
    admin_headers = api_token(make_user("admin"))
    user = make_user()
    client.post("/api/v1/password-resets", json={"email": user.email})
    _, link = _mail_link(client, admin_headers)
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    token = link.rsplit("/", 1)[1]
    response = client.post(f"/api/v1/password-resets/{token}", json={"new_password": "New-pass-2026"})
    assert response.status_code == 422 and "重置链接无效或已过期" in response.get_json()["error"]["message"]


def test_the_api_resets_once_and_refuses_a_weak_new_password(client, make_user, api_token):
    admin_headers = api_token(make_user("admin"))
    user = make_user()
    client.post("/api/v1/password-resets", json={"email": user.email})
    token = _mail_link(client, admin_headers)[1].rsplit("/", 1)[1]
    weak = client.post(f"/api/v1/password-resets/{token}", json={"new_password": "password123"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["fields"]
    assert (
        client.post(f"/api/v1/password-resets/{token}", json={"new_password": "New-pass-2026"}).status_code
        == 204
    )
    again = client.post(f"/api/v1/password-resets/{token}", json={"new_password": "Newer-pass-2026"})
    assert again.status_code == 422
    assert (
        client.post("/api/v1/tokens", json={"email": user.email, "password": "New-pass-2026"}).status_code
        == 201
    )


def test_at_most_three_reset_mails_an_hour_per_account(client, make_user, api_token):
    admin_headers = api_token(make_user("admin"))
    user = make_user()
    for _ in range(5):
        assert client.post("/api/v1/password-resets", json={"email": user.email}).status_code == 202
    assert len(client.get("/api/v1/admin/mail", headers=admin_headers).get_json()["items"]) == 3


def test_only_admins_read_the_kept_mail(client, make_user, api_token, login):
    someone = make_user()
    client.post("/api/v1/password-resets", json={"email": someone.email})
    assert client.get("/api/v1/admin/mail", headers=api_token(someone)).status_code == 403
    login(someone)
    assert client.get("/admin/mail").status_code == 403
    client.post("/logout")
    login(make_user("admin"))
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "秦创原科技大市场：重置密码" in page and someone.email in page
    assert client.get("/admin/mail/..%2Fmarket.db").status_code == 404
