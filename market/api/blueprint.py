"""The /api/v1 blueprint: bearer-token authentication, idempotency keys and one error envelope."""

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from market.errors import DomainError
from market.submissions import before_api_request

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status


@api_bp.before_request
def _authenticate():
    from market.services.accounts import user_for_token

    header = request.headers.get("Authorization", "")
    g.api_user = None
    if header:
        scheme, _, token = header.partition(" ")
        g.api_user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if g.api_user is None:
            return error_response(401, "unauthorized", "令牌无效或已过期，请重新获取")


api_bp.before_request(before_api_request)  # after _authenticate: the key belongs to the token's user


@api_bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    body, status = error_response(exc.status, exc.code, exc.message, exc.fields)
    if retry_after := getattr(exc, "retry_after", None):
        body.headers["Retry-After"] = str(retry_after)
    return body, status


@api_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    messages = {
        400: "请求格式不正确",
        401: "请先获取令牌",
        403: "没有权限",
        404: "未找到",
        405: "不支持该请求方法",
        413: "请求内容过大",
        415: "请使用 JSON 格式",
        429: "请求过于频繁，请稍后再试",
    }
    return error_response(
        exc.code or 500, exc.name.lower().replace(" ", "_"), messages.get(exc.code, exc.description)
    )
