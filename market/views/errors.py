"""Error pages in Chinese for HTML, the JSON envelope for anything under /api/."""

import logging

from flask import flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from market.errors import DomainError

MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限访问此页面",
    404: "页面不存在或已被删除",
    405: "不支持该操作",
    409: "当前状态不允许此操作",
    413: "上传内容过大",
    422: "提交的内容有误",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
}
log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, message: str):
    if _wants_json():
        code = {
            404: "not_found",
            405: "method_not_allowed",
            429: "too_many_requests",
            500: "internal_error",
        }.get(status, "error")
        return jsonify({"error": {"code": code, "message": message, "fields": {}}}), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return _render(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        flash("页面已过期或来源不明，请刷新后重新提交", "warning")
        target = request.referrer if (request.referrer or "").startswith(request.host_url) else "/"
        return redirect(target)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return _render(exc.code or 500, MESSAGES.get(exc.code, exc.description))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, MESSAGES[500])
