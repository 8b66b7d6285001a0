"""All models, imported so that metadata and Alembic see every table."""

from market.models.achievement import Achievement
from market.models.audit import AuditEntry
from market.models.booking import Booking, BookingSlot, EquipmentBlock
from market.models.broker import BrokerProfile, broker_specialties
from market.models.challenge import (
    Challenge,
    ChallengeCriterion,
    ChallengeEvent,
    ChallengeInvitation,
    ChallengeMilestone,
)
from market.models.challenge_application import ChallengeApplication, ChallengeDocument
from market.models.challenge_project import ProgressReport, ProjectMilestone, TranchePayment
from market.models.challenge_review import (
    ChallengeConflict,
    ChallengeReview,
    ChallengeReviewer,
    ChallengeScore,
)
from market.models.contract import Contract, ContractAttachment
from market.models.contract_rollup import ContractMonthlyTotal, ContractPartyMonthlyTotal
from market.models.deal import Deal, DealEvent, DealMessage, DealNda
from market.models.demand import Demand
from market.models.equipment import Equipment, EquipmentFee
from market.models.event_job import EventJob
from market.models.follow import Follow
from market.models.idempotency import IdempotencyKey
from market.models.kpi import Kpi, KpiEntry
from market.models.listing_file import ListingFile
from market.models.matching import ListingVector, MatchDecision
from market.models.notification import Notification, NotificationSetting
from market.models.organisation import Organisation
from market.models.policy import Policy
from market.models.saved_search import SavedSearch
from market.models.search_outbox import SearchIndexCursor, SearchOutboxEntry
from market.models.setting import Setting
from market.models.taxonomy import Field
from market.models.user import ApiToken, PasswordReset, SignInThrottle, User

LISTING_MODELS = {"achievement": Achievement, "demand": Demand, "equipment": Equipment}

__all__ = [
    "Achievement",
    "ApiToken",
    "AuditEntry",
    "Booking",
    "BookingSlot",
    "BrokerProfile",
    "Challenge",
    "ChallengeApplication",
    "ChallengeConflict",
    "ChallengeCriterion",
    "ChallengeDocument",
    "ChallengeEvent",
    "ChallengeInvitation",
    "ChallengeMilestone",
    "ChallengeReview",
    "ChallengeReviewer",
    "ChallengeScore",
    "ProgressReport",
    "ProjectMilestone",
    "TranchePayment",
    "Contract",
    "ContractAttachment",
    "ContractMonthlyTotal",
    "ContractPartyMonthlyTotal",
    "Deal",
    "DealEvent",
    "DealMessage",
    "DealNda",
    "Demand",
    "Equipment",
    "EquipmentBlock",
    "EquipmentFee",
    "EventJob",
    "Field",
    "Follow",
    "IdempotencyKey",
    "Kpi",
    "KpiEntry",
    "LISTING_MODELS",
    "ListingFile",
    "ListingVector",
    "MatchDecision",
    "Notification",
    "NotificationSetting",
    "Organisation",
    "PasswordReset",
    "Policy",
    "SavedSearch",
    "SearchIndexCursor",
    "SearchOutboxEntry",
    "Setting",
    "SignInThrottle",
    "User",
    "broker_specialties",
]
