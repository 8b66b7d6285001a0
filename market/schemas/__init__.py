"""marshmallow schemas: the JSON shape of every API object (output) and accepted input fields.

`from market.schemas import X` finds every schema: the shared ones live in market.schemas.core, each area's in
its own module.
"""

from market.schemas.accounts import (  # noqa: F401
    DecisionIn,
    KeptMailOut,
    OrganisationAdminOut,
    OrganisationUpdateIn,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetRequestedOut,
    PasswordResetRequestIn,
    RegistrationIn,
    UserOut,
    UserUpdateIn,
)
from market.schemas.admin import AuditEntryOut, EventJobOut, FieldIn, FieldUpdateIn, SettingsIn, SettingsOut  # noqa: F401
from market.schemas.bookings import (  # noqa: F401
    AvailabilityOut,
    BlockIn,
    BlockOut,
    BookingAnswerIn,
    BookingCancelIn,
    BookingCompleteIn,
    BookingDecisionIn,
    BookingIn,
    BookingOut,
    BookingRulesIn,
    BookingRulesOut,
    UtilisationOut,
)
from market.schemas.brokers import BrokerOut, BrokerProfileIn  # noqa: F401
from market.schemas.challenge_projects import (  # noqa: F401
    ChallengeSelectionOut,
    ChallengeStatsOut,
    EliminationIn,
    MilestoneDecisionIn,
    ProgressReportIn,
    ProjectMilestoneOut,
    ProjectOut,
    ProjectReportOut,
    SelectionApplicationOut,
    SelectionIn,
    TranchePaymentIn,
    TranchePaymentOut,
)
from market.schemas.challenges import (  # noqa: F401, E402 (揭榜挂帅: 发榜、揭榜、邀请)
    ChallengeApplicationIn,
    ChallengeApplicationOut,
    ChallengeApplicationUpdateIn,
    ChallengeCancelIn,
    ChallengeClarificationIn,
    ChallengeDetailOut,
    ChallengeDocumentOut,
    ChallengeHistoryOut,
    ChallengeIn,
    ChallengeInvitationIn,
    ChallengeInvitationOut,
    ChallengeOut,
    ChallengeSuggestionOut,
    ChallengeUpdateIn,
)
from market.schemas.contracts import (  # noqa: F401
    ContractAttachmentOut,
    ContractCorrectionIn,
    ContractHistoryOut,
    ContractIn,
    ContractOut,
    ContractRegistrationIn,
    ContractReturnIn,
    ContractStatsOut,
    KpiEntryIn,
    KpiEntryOut,
    KpiIn,
    KpiOut,
    KpiProgressOut,
)
from market.schemas.core import (  # noqa: F401
    INPUT_SCHEMAS,
    OUTPUT_SCHEMAS,
    AchievementIn,
    AchievementOut,
    Contact,
    DemandIn,
    DemandOut,
    EquipmentIn,
    EquipmentOut,
    ErrorBody,
    ErrorOut,
    FeeItemIn,
    FeeItemOut,
    FieldName,
    FieldOut,
    ListingItself,
    ListingOut,
    MeOut,
    OrganisationBrief,
    OrganisationOut,
    PageMeta,
    PolicyIn,
    PolicyOut,
    TokenIn,
    TokenOut,
    Withheld,
    Yuan,
    YuanIn,
)
from market.schemas.deals import (  # noqa: F401
    BrokerPerformanceOut,
    DealBrokerIn,
    DealIn,
    DealMessageIn,
    DealMessageOut,
    DealNdaOut,
    DealNdaStatus,
    DealNextActionIn,
    DealNoteIn,
    DealOut,
    DealStageIn,
)
from market.schemas.follows import (  # noqa: F401
    FollowIn,
    FollowOut,
    FollowStateOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
)
from market.schemas.listing_files import ListingFileIn, ListingFileOrderIn, ListingFileOut  # noqa: F401
from market.schemas.matching import MatchDecisionIn, MatchDecisionOut, MatchPrecisionOut  # noqa: F401
from market.schemas.notifications import (  # noqa: F401
    NotificationOut,
    SavedSearchIn,
    SavedSearchOut,
    SavedSearchUpdateIn,
)
from market.schemas.organisations import OrganisationPageOut  # noqa: F401
from market.schemas.summary import HomeOut, SummaryOut  # noqa: F401
