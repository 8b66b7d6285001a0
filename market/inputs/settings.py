"""The admins' platform settings."""

from market.inputs.fields import Boolean, InputSchema, Integer


class SettingsIn(InputSchema):
    """Both settings at once; stale days left out (or null) keep their value, for clients older than them."""

    auto_publish_verified = Boolean("已认证单位发布时是否免审核", required=True)
    deal_stale_days = Integer(
        "对接停滞提醒天数",
        low=1,
        high=365,
        description="对接停滞提醒天数，整数 1–365；不填或 null 保持现值",
    )
