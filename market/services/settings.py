"""Admin settings stored in the database."""
from market.extensions import db
from market.models import Setting
from market.services import audit
from market.services.base import unit_of_work
from market.services.permissions import require_admin
from market.services.text import Cleaner

AUTO_PUBLISH_VERIFIED = "auto_publish_verified"
DEFAULTS = {AUTO_PUBLISH_VERIFIED: "1"}


def get_setting(key: str) -> str:
    """Current value of a setting, or its default."""
    row = db.session.get(Setting, key)
    return row.value if row else DEFAULTS[key]


def auto_publish_verified() -> bool:
    """Whether listings of verified organisations skip the review queue."""
    return get_setting(AUTO_PUBLISH_VERIFIED) == "1"


def get_settings(actor) -> dict:
    """Every admin setting with its current value (admins only)."""
    require_admin(actor)
    return {AUTO_PUBLISH_VERIFIED: auto_publish_verified()}


def _store_auto_publish_verified(actor, enabled: bool) -> None:
    old = get_setting(AUTO_PUBLISH_VERIFIED)  # the default when never set, so the audit shows the real change
    row = db.session.get(Setting, AUTO_PUBLISH_VERIFIED) or Setting(key=AUTO_PUBLISH_VERIFIED)
    row.value = "1" if enabled else "0"
    db.session.add(row)
    audit.record(actor, "setting.update", "setting", None, {AUTO_PUBLISH_VERIFIED: [old, row.value]})


@unit_of_work
def set_auto_publish_verified(actor, enabled: bool) -> None:
    """Turn review-free publishing for verified organisations on or off."""
    require_admin(actor)
    _store_auto_publish_verified(actor, enabled)


@unit_of_work
def update_settings(actor, data: dict) -> dict:
    """Replace the admin settings with the values given (each one required); returns them as now stored."""
    require_admin(actor)
    cleaner = Cleaner(data)
    if data.get(AUTO_PUBLISH_VERIFIED) in (None, ""):
        cleaner.fail(AUTO_PUBLISH_VERIFIED, "请选择已认证单位发布时是否免审核（true 或 false）")
    cleaner.boolean(AUTO_PUBLISH_VERIFIED, "已认证单位免审核")
    values = cleaner.done()
    _store_auto_publish_verified(actor, values[AUTO_PUBLISH_VERIFIED])
    return {AUTO_PUBLISH_VERIFIED: values[AUTO_PUBLISH_VERIFIED]}
