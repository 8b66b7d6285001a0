"""Headers, cookies and start-up checks (issue 16, part 3)."""

import re
from pathlib import Path

import pytest

from market import create_app
from market.extensions import db as _db
from tests.conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STRICT = {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"}


def _assert_protected(response, where):
    response.close()  # a static file's response holds the file open
    missing = STRICT - set(response.headers.keys())
    assert not missing, f"{where}: missing {missing}"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, (
        where
    )
    assert (
        response.headers["X-Frame-Options"] == "DENY"
        and response.headers["X-Content-Type-Options"] == "nosniff"
    )


def test_every_kind_of_response_carries_the_headers(client, make_user, make_listing, login):
    owner = make_user()
    listing = make_listing("achievement", owner)
    anonymous = {
        "home": "/",
        "listing": f"/achievements/{listing.id}",
        "search": "/search?q=正极材料",
        "login": "/login",
        "missing page": "/no-such-page",
        "api": "/api/v1/achievements",
        "api error": "/api/v1/achievements/999999",
        "openapi": "/api/v1/openapi.json",
        "static": "/static/css/market.css",
    }
    for where, path in anonymous.items():
        _assert_protected(client.get(path), where)
    login(owner)
    for where, path in {"workspace": "/my/", "form": "/my/achievements/new"}.items():
        _assert_protected(client.get(path), where)
    _assert_protected(
        client.post("/login", data={"email": "x@example.cn", "password": "nope-nope-1"}), "failed login"
    )


def test_development_sends_no_hsts_and_no_secure_cookie(client, make_user, login):
    login(make_user())
    response = client.get("/my/")
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def production(app):
    secret = "p" * 40
    prod = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "ENV": "production",
            "SECRET_KEY": secret,
            "SEARCH_BACKEND": "memory",
            "INSTANCE_PATH": app.instance_path,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with prod.app_context():
        yield prod
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.slow  # the production app is a second app on the test database
def test_production_sends_hsts_and_secure_httponly_lax_cookies(production, make_user):
    user = make_user()
    client = production.test_client()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost"
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("env", ["Production", "prod", "staging", ""])
def test_an_unknown_environment_refuses_to_start_and_says_why(monkeypatch, env):
    monkeypatch.setenv("MARKET_ENV", env)
    with pytest.raises(RuntimeError, match="MARKET_ENV 只能是 production、development、testing"):
        create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize("key", ["1", "change-me", "x" * 31])
def test_production_refuses_a_short_secret_key(monkeypatch, key):
    monkeypatch.setenv("MARKET_ENV", "production")
    monkeypatch.setenv("MARKET_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="至少32个字符"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_starts_with_a_long_secret_key(monkeypatch):
    monkeypatch.setenv("MARKET_ENV", "production")
    monkeypatch.setenv("MARKET_SECRET_KEY", "a" * 64)
    assert create_app({"DATABASE_URL": "sqlite://"}).config["SESSION_COOKIE_SECURE"] is True


def test_templates_have_no_inline_script_handlers_or_styles():
    """The CSP allows scripts and styles from static files only: nothing inline may be needed."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"\son[a-z]+\s*=",
            r"\sstyle\s*=",
            r"<style\b",
            r"javascript:",
        ):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


@pytest.mark.slow  # the proxied app is a second app on the test database
def test_the_proxy_setting_reads_the_client_address_from_the_proxy(app, make_user):
    """Behind nginx (PROXY_COUNT=1) the throttle counts the client's address, not the proxy's."""
    proxied = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "t",
            "TESTING": True,
            "SEARCH_BACKEND": "memory",
            "INSTANCE_PATH": app.instance_path,
            "WTF_CSRF_ENABLED": False,
            "PROXY_COUNT": 1,
            "SIGN_IN_FREE_FAILURES_PER_ADDRESS": 2,
        }
    )
    with proxied.app_context():
        client = proxied.test_client()
        for n in range(2):
            client.post(
                "/login",
                data={"email": f"x{n}@example.cn", "password": "wrong-wrong-1"},
                headers={"X-Forwarded-For": "203.0.113.7"},
            )
        user = make_user()
        other = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.8"},
        )
        blocked = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        _db.session.remove()
        _db.engine.dispose()  # the second app's connections close with the test, not at garbage collection
    assert other.status_code == 302 and blocked.status_code == 429
