"""Instrument booking (仪器预约): opening hours, requests, decisions, blocks, completion and the fee.

Time is cut into SLOT_MINUTES slots in Beijing time. A request, a proposal or a block holds its slots as rows
of booking_slots, unique per instrument and slot: of two overlapping requests, whatever the concurrency, the
database lets exactly one commit; the other gets Conflict("时段已被预约"). Freed slots (rejected, cancelled)
are deleted in the same transaction as the status change.

Modules: calendar (time, opening hours, blocks, rules, week, iCalendar), access (who sees what), slots
(holding), requests (request → decision → answer / cancel → complete), fees, reports (lists, utilisation,
sharing totals). Callers import from the package:
`from market.services import bookings; bookings.request_booking(...)`."""

from market.inputs.bookings import MAX_SAMPLES  # noqa: F401
from market.services.bookings.access import (  # noqa: F401
    can_view_booking,
    get_booking,
    get_equipment,
)
from market.services.bookings.calendar import (  # noqa: F401
    BEIJING,
    MAX_AHEAD_DAYS,
    MAX_BOOKING_DAYS,
    SLOT_MINUTES,
    Cell,
    block_period,
    calendar_ics,
    is_open,
    list_blocks,
    open_intervals,
    remove_block,
    set_booking_rules,
    slots_between,
    week,
)
from market.services.bookings.fees import (  # noqa: F401
    compute_fee,
)
from market.services.bookings.reports import (  # noqa: F401
    list_bookings,
    open_minutes,
    sharing_totals,
    utilisation,
    utilisation_table,
    utilisation_totals,
)
from market.services.bookings.requests import (  # noqa: F401
    TRANSITIONS,
    answer_proposal,
    cancel_booking,
    complete_booking,
    decide_booking,
    notify_booking_people,
    request_booking,
)
from market.services.bookings.slots import (  # noqa: F401
    HOLDING,
    TAKEN,
)
