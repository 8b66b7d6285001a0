"""What every response and the start-up promise: a known environment, a strong secret key in production,
cookies and headers that keep pages out of frames and scripts to our own, the client's real address behind a
proxy, and request rates per address (Flask-Limiter)."""

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

ENVIRONMENTS = ("production", "development", "testing")
MIN_SECRET_LENGTH = 32
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",  # no inline script anywhere: static/js only
        "style-src 'self'",  # no style attributes either: static/css
        "img-src 'self' data:",  # Bootstrap draws form controls with data: SVGs
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"

limiter = Limiter(get_remote_address)


def check_environment(app: Flask) -> None:
    """Refuse to start on an unknown MARKET_ENV or, in production, a missing or short secret key."""
    env = app.config.get("ENV")
    if env not in ENVIRONMENTS:
        raise RuntimeError(
            f"MARKET_ENV 只能是 {'、'.join(ENVIRONMENTS)}（区分大小写），当前为 {env!r}，拒绝启动 "
            f"(MARKET_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r})"
        )
    if env != "production":
        return
    key = app.config.get("SECRET_KEY")
    if not key:
        raise RuntimeError("生产环境必须设置 MARKET_SECRET_KEY (MARKET_SECRET_KEY must be set in production)")
    if len(str(key)) < MIN_SECRET_LENGTH:
        raise RuntimeError(
            f"生产环境的 MARKET_SECRET_KEY 至少{MIN_SECRET_LENGTH}个字符，当前只有{len(str(key))}个；"
            "可用 python3 -c 'import secrets; print(secrets.token_hex(32))' 生成 "
            f"(MARKET_SECRET_KEY must have at least {MIN_SECRET_LENGTH} characters in production)"
        )
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config.setdefault("REMEMBER_COOKIE_SECURE", True)


def init_app(app: Flask) -> None:
    """Proxy headers, response headers and the rate limiter."""
    if proxies := int(app.config.get("PROXY_COUNT") or 0):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.before_request(_forget_earlier_user)
    app.after_request(_headers)
    limiter.init_app(app)


LARGE_REQUEST = "market_max_request_bytes"  # a view's attribute: the request size it accepts


def large_request(max_bytes: int):
    """Let the decorated view take a request body of up to max_bytes (several files at once) instead of
    MAX_CONTENT_LENGTH; every other view keeps the app's limit."""

    def mark(view):
        setattr(view, LARGE_REQUEST, max_bytes)
        return view

    return mark


def allow_large_requests() -> None:
    """Before anything reads the body (CSRF, the form's one-time token): the limit of the view asked for.
    Registered by the factory ahead of every other before_request hook."""
    view = current_app.view_functions.get(request.endpoint or "")
    if (limit := getattr(view, LARGE_REQUEST, None)) is not None:
        request.max_content_length = limit


def _forget_earlier_user() -> None:
    """Each request reads its user from its own cookie. Flask-Login caches the user in `g`, which lives as
    long as the app context: a context shared by several requests (tests, a command serving requests) would
    otherwise hand one request the user of the one before."""
    g.pop("_login_user", None)


def _headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("ENV") == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def client():
    """The client of this request as the sign-in throttle sees it (address and settings)."""
    from market.services import throttle

    return throttle.Client(
        address=request.remote_addr,
        free_per_account=int(current_app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT"]),
        free_per_address=int(current_app.config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"]),
    )


def rate(name: str):
    """A limit read from the settings when the request comes (tests and operators change it)."""
    return lambda: current_app.config[name]
