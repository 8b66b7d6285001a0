"""The technology-contract register (技术合同登记): drafts by the parties or their broker, registration by
admins.

draft → submitted → registered, or submitted → returned → submitted again. A registered contract changes
only through an admin correction that keeps the old values and the reason in the audit log; its attachments
are never deleted, and a file is added to it only as a correction with its reason. Only registered contracts
count in statistics.

Modules: rules (who may do what, cleaning), queries (reading, lists, history, choices), lifecycle (write,
submit, register, return, correct), attachments. Callers import from the package:
`from market.services import contracts`."""

from market.services.contracts.attachments import (  # noqa: F401
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    REGISTERED_ATTACHMENTS_STAY,
    add_attachment,
    add_attachment_correction,
    delete_attachment,
    get_attachment,
)
from market.services.contracts.lifecycle import (  # noqa: F401
    correct_contract,
    create_contract,
    delete_contract,
    notify_contract_parties,
    register_contract,
    registration_number_for,
    return_contract,
    submit_contract,
    update_contract,
    write_contract_draft,
)
from market.services.contracts.queries import (  # noqa: F401
    broker_choices,
    contract_filters,
    contract_history,
    field_choices,
    filtered_contracts,
    get_contract,
    iter_filtered_contracts,
    list_contracts,
    visible_contracts,
)
from market.services.contracts.rules import (  # noqa: F401
    CORRECTABLE,
    EDITABLE,
    MAX_CORRECTION_REASON,
    TRANSITIONS,
    can_edit_contract,
    can_read_all,
    can_view_contract,
    can_write_contracts,
    clean_contract,
    is_party,
    is_viewer,
)
