"""Writes that happen once however often they are sent: Idempotency-Key on the API, a one-time token on forms.

Before the request: a key seen before gets the first response again (the API) or a redirect to where the first
submission led (a form), and nothing is written. Otherwise the key goes with the request and the service's
unit of work claims it in its own transaction (`services.base`), so that the row and the key commit together
and two concurrent requests with one key cannot both write. After the request the response is kept for later
retries.
"""

import re
import secrets
from datetime import timedelta

from flask import Flask, Response, current_app, flash, g, jsonify, redirect, request
from flask_login import current_user
from markupsafe import Markup

from market.models.base import utcnow
from market.services.base import claimed_idempotency_key, expect_idempotency_key, forget_idempotency_key
from market.services.idempotency import find_key, record_response, request_hash

HEADER = "Idempotency-Key"
FORM_FIELD = "submit_token"
API_RESOURCES = ("achievements", "demands", "equipment", "policies", "deals", "contracts", "bookings")
VALID_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as clients generate them (UUIDs, ULIDs)


def submit_token() -> Markup:
    """A hidden field with a fresh one-time token, for every form that writes (a double click writes once)."""
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{secrets.token_urlsafe(16)}">')


def _api_error(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message, "fields": {}}}), status


def before_api_request():
    """An API write with an Idempotency-Key: replay, refuse, or let the unit of work claim the key."""
    forget_idempotency_key()
    if request.method != "POST" or HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not VALID_KEY.match(key):
        return _api_error(
            400, "bad_idempotency_key", "Idempotency-Key 应为 1 到 200 个可见 ASCII 字符（建议使用 UUID）"
        )
    user = getattr(g, "api_user", None)
    if user is None:
        return None  # the endpoint answers 401 itself
    scope, fingerprint = f"user:{user.id}", request_hash(request.method, request.path, request.get_data())
    earlier = find_key(scope, key)
    if earlier is None:
        expect_idempotency_key(scope, key, fingerprint)
        return None
    if earlier.request_hash != fingerprint:
        return _api_error(
            422, "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求，请为新请求生成新的键"
        )
    if earlier.status_code is None:
        return _lost_response(earlier) or _api_error(
            409, "request_in_progress", "同一请求正在处理，请稍后用同一个键重试"
        )
    response = Response(earlier.response_body or "", status=earlier.status_code, mimetype="application/json")
    if earlier.location:
        response.headers["Location"] = earlier.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _lost_response(earlier):
    """The first request committed its write but died before its response was kept (a killed web worker): once
    no request could still be running, send the client to what it made."""
    wait = timedelta(seconds=current_app.config["IDEMPOTENCY_RESPONSE_WAIT"])
    table, _, row_id = (earlier.resource or "").partition(":")
    if table not in API_RESOURCES or earlier.created_at > utcnow() - wait:
        return None
    response = Response(status=303)
    response.headers["Location"] = f"/api/v1/{table}/{row_id}"
    response.headers["Idempotent-Replayed"] = "true"
    return response


def before_form_request():
    """A form carrying a submission token that was used before leads where the first submission led."""
    forget_idempotency_key()
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    token = request.form.get(FORM_FIELD, "").strip()
    if not token or not VALID_KEY.match(token):
        return None
    scope = f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"
    earlier = find_key(scope, f"form:{token}")
    if earlier is None:
        expect_idempotency_key(scope, f"form:{token}", request_hash(request.method, request.path))
        return None
    flash("该表单已经提交过，没有重复保存。", "info")
    return redirect(earlier.location or request.path, 303)


def after_request(response):
    """Keep the response of a write that claimed its key."""
    claimed = claimed_idempotency_key()
    forget_idempotency_key()
    if claimed is not None:
        body = response.get_data(as_text=True) if response.mimetype == "application/json" else None
        record_response(claimed, response.status_code, response.headers.get("Location"), body)
    return response


def init_app(app: Flask) -> None:
    app.before_request(before_form_request)
    app.after_request(after_request)
    app.jinja_env.globals["submit_token"] = submit_token
