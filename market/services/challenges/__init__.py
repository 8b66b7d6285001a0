"""揭榜挂帅 (issue 19): a call (发榜) is a published open-call demand with a Challenge beside it; verified
organisations apply (揭榜); a panel scores the applications (评榜); the owner selects one team or races
several (定榜); the selected teams deliver milestones that are accepted and paid (攻关与验收).

Modules: access (who sees and does what), status (public status and countdown), history (the public
timeline); calls, applications, invitations, documents (发榜, 揭榜); panel, scoring (评榜); selection,
projects, payments, stats (定榜, 攻关与验收, dashboard). Callers import from the package:
`from market.services import challenges`."""

# 发榜、揭榜、邀请 (publish part): calls, applications, documents, invitations; notices subscribes the
# notifications to their events.
from market.services.challenges import notices  # noqa: F401, E402 (event handlers)
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
from market.services.challenges.applications import (  # noqa: F401, E402
    application_data,
    can_change,
    create_application,
    eligibility_problem,
    list_applications,
    list_own_applications,
    own_application,
    own_results,
    prior_results,
    submit_application,
    update_application,
    upload_plan,
    window_problem,
    withdraw_application,
)
from market.services.challenges.call_rules import call_data  # noqa: F401, E402
from market.services.challenges.calls import (  # noqa: F401, E402
    call_ids_of,
    can_publish,
    cancel_call,
    clarify_call,
    create_call,
    edit_block,
    has_submissions,
    list_managed_calls,
    list_public_calls,
    publish_refusal,
    publishing_orgs,
    update_call,
)
from market.services.challenges.documents import get_document, plan_document  # noqa: F401, E402
from market.services.challenges.history import history, record_event  # noqa: F401
from market.services.challenges.invitations import (  # noqa: F401, E402
    can_invite,
    invitation_for,
    invite,
    list_invitations,
    received_invitations,
    suggested_applicants,
)

# 定榜, 攻关与验收, dashboard (deliver): selection, projects, milestones (reports, decisions), payments, stats
from market.services.challenges.milestones import decide_milestone, submit_report  # noqa: F401

# 评榜 (review): the panel, conflict declarations, scoring, the ranking and the 路演答辩 shortlist.
from market.services.challenges.panel import (  # noqa: F401
    add_reviewer,
    declare_conflicts,
    panel_members,
    remove_reviewer,
    reopen_conflicts,
)
from market.services.challenges.payments import record_payment  # noqa: F401
from market.services.challenges.projects import (  # noqa: F401
    MAX_FILES,
    create_milestones,
    get_milestone,
    get_project_document,
    is_overdue,
    notify_overdue_milestones,
    project,
    split_tranches,
)
from market.services.challenges.ranking import application_scores, ranking, two_places  # noqa: F401
from market.services.challenges.review_queue import review_queue, review_todo  # noqa: F401
from market.services.challenges.scoring import get_my_review, save_review, submit_review  # noqa: F401
from market.services.challenges.selection import (  # noqa: F401
    SelectionPlan,
    call_title,
    decide_selection,
    eliminate,
    preview_elimination,
    preview_selection,
    selection_state,
)
from market.services.challenges.shortlist import shortlist_application  # noqa: F401
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
