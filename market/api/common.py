"""Helpers shared by API endpoints: the actor, JSON bodies, paging."""

from flask import current_app, g, request

from market.errors import AuthenticationFailed, ValidationFailed


def actor():
    """The token's user, or None for anonymous reads."""
    return g.get("api_user")


def require_actor():
    if g.get("api_user") is None:
        raise AuthenticationFailed(
            "请先获取令牌：POST /api/v1/tokens，然后在请求头中携带 Authorization: Bearer <token>"
        )
    return g.api_user


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed({"_body": "请求体必须是 JSON 对象"}, "请求体必须是 JSON 对象")
    return data


def optional_json_body() -> dict:
    """The JSON object sent, or {} when the request has no body at all."""
    return json_body() if request.get_data(cache=True) else {}


def reject_unknown_fields(data: dict, known) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValidationFailed({name: "未知字段" for name in unknown}, f"未知字段：{', '.join(unknown)}")


def paging() -> tuple:
    return request.args.get("page", 1), request.args.get("per_page", current_app.config["PER_PAGE"])


def page_envelope(page, dump) -> dict:
    return {
        "items": [dump(item) for item in page.items],
        "meta": {"page": page.page, "per_page": page.per_page, "total": page.total},
    }
