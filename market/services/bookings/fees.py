"""The fee of a completed booking, from its fee item, exactly in fen."""

import math
from decimal import ROUND_HALF_UP, Decimal

from market.models import EquipmentFee


def compute_fee(
    item: EquipmentFee | None, internal: bool, minutes: int | None, samples: int | None
) -> tuple[int | None, str]:
    """The fee in fen from a fee item's unit and the tier (internal price where the schedule has one);
    pure."""
    if item is None:
        return None, "external"
    tier = "internal" if internal and item.internal_price_fen is not None else "external"
    price = item.internal_price_fen if tier == "internal" else item.price_fen
    if price is None:  # 面议
        return None, tier
    quantity = {
        "元/小时": Decimal(minutes or 0) / 60,
        "元/样": Decimal(samples or 0),
        "元/天": Decimal(math.ceil((minutes or 0) / 1440)),
        "元/次": Decimal(1),
    }.get(item.unit)
    if quantity is None:
        return None, tier
    return int((Decimal(price) * quantity).quantize(Decimal("1"), ROUND_HALF_UP)), tier
