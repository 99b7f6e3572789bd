"""SQLModel tables for crmbot. Importing this package registers every table."""

from storage.models.activity import FollowUp, Reminder, Satisfaction
from storage.models.care import (
    AppSecret,
    CustomerMerge,
    DuplicatePair,
    JobRun,
    LoyaltyAccount,
    PointsEntry,
    SurveyInvite,
)
from storage.models.conversation_state import GroupSend
from storage.models.customers import Contact, Customer
from storage.models.people import ManagerTeam, Team, User, UserIdentity
from storage.models.pool import PoolClaim, PoolRelease
from storage.models.sales import Contract, DealStageVisit, Opportunity, Order
from storage.models.service import AutomationRun, Campaign, Segment, Ticket, TicketEvent
from storage.models.system import (
    AuditLog,
    ChatConversation,
    DataVersion,
    DigestSubscription,
    NotificationOutbox,
    ProcessedMessage,
    SchedulerState,
    SharedCard,
)

__all__ = [
    "AppSecret",
    "AuditLog",
    "AutomationRun",
    "Campaign",
    "ChatConversation",
    "Contact",
    "Contract",
    "Customer",
    "CustomerMerge",
    "DataVersion",
    "DealStageVisit",
    "DigestSubscription",
    "DuplicatePair",
    "FollowUp",
    "GroupSend",
    "JobRun",
    "LoyaltyAccount",
    "ManagerTeam",
    "NotificationOutbox",
    "Opportunity",
    "Order",
    "PointsEntry",
    "PoolClaim",
    "PoolRelease",
    "ProcessedMessage",
    "Reminder",
    "Satisfaction",
    "SchedulerState",
    "Segment",
    "SharedCard",
    "SurveyInvite",
    "Team",
    "Ticket",
    "TicketEvent",
    "User",
    "UserIdentity",
]
