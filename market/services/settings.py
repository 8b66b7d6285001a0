"""Admin settings stored in the database."""
from market.extensions import db
from market.models import Setting
from market.services import audit
from market.services.base import unit_of_work
from market.services.permissions import require_admin

AUTO_PUBLISH_VERIFIED = "auto_publish_verified"
DEFAULTS = {AUTO_PUBLISH_VERIFIED: "1"}


def get_setting(key: str) -> str:
    """Current value of a setting, or its default."""
    row = db.session.get(Setting, key)
    return row.value if row else DEFAULTS[key]


def auto_publish_verified() -> bool:
    """Whether listings of verified organisations skip the review queue."""
    return get_setting(AUTO_PUBLISH_VERIFIED) == "1"


@unit_of_work
def set_auto_publish_verified(actor, enabled: bool) -> None:
    """Turn review-free publishing for verified organisations on or off."""
    require_admin(actor)
    row = db.session.get(Setting, AUTO_PUBLISH_VERIFIED) or Setting(key=AUTO_PUBLISH_VERIFIED)
    old = row.value
    row.value = "1" if enabled else "0"
    db.session.add(row)
    audit.record(actor, "setting.update", "setting", None, {AUTO_PUBLISH_VERIFIED: [old, row.value]})
