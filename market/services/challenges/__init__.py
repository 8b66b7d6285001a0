"""揭榜挂帅 (issue 19): a call (发榜) is a published open-call demand with a Challenge beside it; verified
organisations apply (揭榜); a panel scores the applications (评榜); the owner selects one team or races
several (定榜); the selected teams deliver milestones that are accepted and paid (攻关与验收).

Modules: access (who sees and does what), status (public status and countdown), history (the public
timeline); calls, applications, invitations, documents (发榜, 揭榜); panel, scoring (评榜); selection,
projects, payments, stats (定榜, 攻关与验收, dashboard). Callers import from the package:
`from market.services import challenges`."""

# 定榜, 攻关与验收, dashboard (deliver): selection, projects, milestones (reports, decisions), payments, stats
from market.services.challenges.access import (  # noqa: F401
    PROJECT_STATUSES,
    can_manage_challenge,
    can_view_all_scores,
    can_view_application,
    can_view_challenge,
    can_view_project,
    get_application,
    get_challenge,
    get_managed_challenge,
    get_project,
    is_applicant,
    is_call_owner,
    reviewer_for,
    reviewer_may_see,
)
from market.services.challenges.history import history, record_event  # noqa: F401
from market.services.challenges.milestones import decide_milestone, submit_report  # noqa: F401
from market.services.challenges.payments import record_payment  # noqa: F401
from market.services.challenges.projects import (  # noqa: F401
    MAX_FILES,
    create_milestones,
    get_document,
    get_milestone,
    is_overdue,
    notify_overdue_milestones,
    project,
    split_tranches,
)
from market.services.challenges.selection import (  # noqa: F401
    SelectionPlan,
    call_title,
    decide_selection,
    eliminate,
    preview_elimination,
    preview_selection,
    selection_state,
)
from market.services.challenges.stats import (  # noqa: F401
    ChallengeFigures,
    calls_published,
    challenge_figures,
    wan_text,
)
from market.services.challenges.status import (  # noqa: F401
    accepting_applications,
    days_left,
    public_status,
    public_status_label,
)
