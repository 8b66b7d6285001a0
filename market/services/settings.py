"""Admin settings stored in the database."""

from market.errors import ValidationFailed
from market.extensions import db
from market.inputs.settings import SettingsIn
from market.models import Setting
from market.services import audit
from market.services.base import unit_of_work
from market.services.permissions import require_admin

AUTO_PUBLISH_VERIFIED = "auto_publish_verified"
DEAL_STALE_DAYS = "deal_stale_days"
DEFAULTS = {AUTO_PUBLISH_VERIFIED: "1", DEAL_STALE_DAYS: "14"}


def get_setting(key: str) -> str:
    """Current value of a setting, or its default."""
    row = db.session.get(Setting, key)
    return row.value if row else DEFAULTS[key]


def auto_publish_verified() -> bool:
    """Whether listings of verified organisations skip the review queue."""
    return get_setting(AUTO_PUBLISH_VERIFIED) == "1"


def deal_stale_days() -> int:
    """After how many quiet days an open deal counts as stale (highlighted, its broker notified)."""
    try:
        return max(1, int(get_setting(DEAL_STALE_DAYS)))
    except ValueError:
        return int(DEFAULTS[DEAL_STALE_DAYS])


def get_settings(actor) -> dict:
    """Every admin setting with its current value (admins only)."""
    require_admin(actor)
    return {AUTO_PUBLISH_VERIFIED: auto_publish_verified(), DEAL_STALE_DAYS: deal_stale_days()}


def _store(actor, key: str, value: str) -> None:
    old = get_setting(key)  # the default when never set, so the audit shows the real change
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value = value
    db.session.add(row)
    audit.record(actor, "setting.update", "setting", None, {key: [old, value]})


def _store_auto_publish_verified(actor, enabled: bool) -> None:
    _store(actor, AUTO_PUBLISH_VERIFIED, "1" if enabled else "0")


@unit_of_work
def set_auto_publish_verified(actor, enabled: bool) -> None:
    """Turn review-free publishing for verified organisations on or off."""
    require_admin(actor)
    _store_auto_publish_verified(actor, enabled)


@unit_of_work
def update_settings(actor, data: dict) -> dict:
    """Replace the admin settings with the values given; returns them all as now stored.

    auto_publish_verified is required; deal_stale_days (1–365) keeps its current value when left out, so that
    clients written before it existed go on working."""
    require_admin(actor)
    data = dict(data or {})
    stale = data.get(DEAL_STALE_DAYS)
    if isinstance(stale, float) and stale.is_integer():
        data[DEAL_STALE_DAYS] = int(stale)  # a JSON 30.0
    errors: dict = {}
    values = SettingsIn.clean(data, errors=errors)
    # Absent or null, stale days are unchanged; sent empty (""), they are asked for.
    if stale is not None and values.get(DEAL_STALE_DAYS, 0) is None:
        errors.setdefault(DEAL_STALE_DAYS, "请填写对接停滞提醒天数")
    if errors:
        raise ValidationFailed(errors)
    _store_auto_publish_verified(actor, values[AUTO_PUBLISH_VERIFIED])
    if values.get(DEAL_STALE_DAYS) is not None and values[DEAL_STALE_DAYS] != deal_stale_days():
        _store(actor, DEAL_STALE_DAYS, str(values[DEAL_STALE_DAYS]))
    return {AUTO_PUBLISH_VERIFIED: values[AUTO_PUBLISH_VERIFIED], DEAL_STALE_DAYS: deal_stale_days()}
