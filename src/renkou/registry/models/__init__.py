from renkou.registry.models.changereports import ChangeReport, ReportPeriod
from renkou.registry.models.codes import (
    HukouType,
    LeaveReason,
    MaritalStatus,
    Relation,
    Sex,
)
from renkou.registry.models.duplicates import DuplicateCandidate, Merge
from renkou.registry.models.events import LifeEvent
from renkou.registry.models.households import Household, Membership
from renkou.registry.models.marriages import Marriage
from renkou.registry.models.persons import Person
from renkou.registry.models.transfers import Transfer

__all__ = [
    "ChangeReport",
    "DuplicateCandidate",
    "Household",
    "HukouType",
    "LeaveReason",
    "LifeEvent",
    "MaritalStatus",
    "Marriage",
    "Membership",
    "Merge",
    "Person",
    "Relation",
    "ReportPeriod",
    "Sex",
    "Transfer",
]
