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


class TooManyAttempts(DomainError):
    """Too many failed attempts: wait `retry_after` seconds."""

    code, status = "too_many_attempts", 429

    def __init__(self, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"尝试次数过多，请在{wait_text(self.retry_after)}后再试")


def wait_text(seconds: int) -> str:
    """A wait in Chinese: 45 秒, 2 分钟, 1 小时 5 分钟."""
    if seconds < 60:
        return f" {seconds} 秒"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f" {minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    return f" {hours} 小时" + (f" {minutes} 分钟" if minutes else "")
