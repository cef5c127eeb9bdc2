from renkou.core.models.audit import AuditEvent
from renkou.core.models.imports import ImportBatch, ImportRowError
from renkou.core.models.orgunits import OrgUnit
from renkou.core.models.users import LoginFailure, Role, User

__all__ = ["AuditEvent", "ImportBatch", "ImportRowError", "LoginFailure", "OrgUnit", "Role", "User"]
