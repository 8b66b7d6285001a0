"""Domain errors raised by services; views and the API translate them."""


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    code, status = "not_found", 404

    def __init__(self, message: str = "未找到该内容"):
        super().__init__(message)


class PermissionDenied(DomainError):
    code, status = "forbidden", 403

    def __init__(self, message: str = "没有权限执行此操作"):
        super().__init__(message)


class AuthenticationFailed(DomainError):
    code, status = "unauthorized", 401


class ValidationFailed(DomainError):
    code, status = "validation_failed", 422

    def __init__(self, fields: dict, message: str = "提交的内容有误，请检查后重试"):
        super().__init__(message, fields)


class InvalidTransition(DomainError):
    code, status = "invalid_transition", 409


class Conflict(DomainError):
    """What the user asked for was taken by someone else first (e.g. an instrument slot)."""
    code, status = "conflict", 409
