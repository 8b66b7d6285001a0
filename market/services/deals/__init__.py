"""Deals (对接): an enterprise, a university or a broker opens one; a broker carries it to a registered
contract.

Stages: 意向 intent → 对接洽谈 negotiation → 签约 signing → 登记 registered, or 终止 terminated (with a
reason) from any open stage. No stage is skipped, a closed deal never moves, and 登记 is reached only when the
contract the deal opened at 签约 is registered.

Modules: access (who may do what), activity (history, notifications), opening, brokers (claim, assign,
request), stages (the stage machine and the contract), messages (thread, files, notes), nda, lists (lists,
board, stale), performance (经纪人考核). Callers import from the package:
`from market.services import deals`."""

from market.inputs.deals import MAX_MESSAGE_CHARS  # noqa: F401
from market.services.deals.access import (  # noqa: F401
    can_act,
    can_view_deal,
    get_deal,
    is_deal_broker,
    is_party,
)
from market.services.deals.activity import (  # noqa: F401
    notify_deal_people,
    notify_requested_broker,
)
from market.services.deals.brokers import (  # noqa: F401
    assign_broker,
    claim_deal,
    claimable_deals,
    request_broker,
)
from market.services.deals.lists import (  # noqa: F401
    DEFAULT_STALE_DAYS,
    board,
    is_stale,
    list_deals,
    notify_stale_deals,
    stale_days,
    visible_deals,
)
from market.services.deals.messages import (  # noqa: F401
    FILE_SIGNATURES,
    MAX_FILE_BYTES,
    add_note,
    message_file,
    post_message,
    thread,
)
from market.services.deals.nda import (  # noqa: F401
    NDA_TEXT,
    NDA_VERSION,
    accept_nda,
    can_see_confidential,
    nda_accepted,
)
from market.services.deals.opening import (  # noqa: F401
    open_agreed_deal,
    open_deal,
    start_deal,
)
from market.services.deals.performance import (  # noqa: F401
    broker_figures,
    broker_performance,
)
from market.services.deals.stages import (  # noqa: F401
    OPEN_STAGES,
    TRANSITIONS,
    follow_contract_registration,
    move_stage,
    set_next_action,
)
