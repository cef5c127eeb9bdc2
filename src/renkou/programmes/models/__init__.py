from renkou.programmes.models.contraception import (
    ContraceptiveService,
    Method,
    Supply,
    SupplyHandout,
)
from renkou.programmes.models.nfpcp import (
    CounsellingClass,
    NfpcpCheck,
    NfpcpResult,
    NfpcpSlipCounter,
    NfpcpTargets,
    OutcomeType,
    RiskFactor,
    RiskLevel,
)

__all__ = [
    "ContraceptiveService",
    "CounsellingClass",
    "Method",
    "NfpcpCheck",
    "NfpcpResult",
    "NfpcpSlipCounter",
    "NfpcpTargets",
    "OutcomeType",
    "RiskFactor",
    "RiskLevel",
    "Supply",
    "SupplyHandout",
]
