"""Service programmes: campaigns, the pre-pregnancy check (NFPCP), contraceptive services.

Each programme keeps its models in its own module; they are re-exported here.
"""

from renkou.programmes.models.campaigns import (
    Campaign,
    CampaignTarget,
    CoverageSnapshot,
    MopUpRound,
    Residence,
)
from renkou.programmes.models.contraception import (
    ContraceptiveService,
    FollowupResult,
    Method,
    Supply,
    SupplyHandout,
)
from renkou.programmes.models.nfpcp import (
    CounsellingClass,
    NfpcpCheck,
    NfpcpResult,
    NfpcpSlipCounter,
    NfpcpTally,
    NfpcpTargets,
    OutcomeType,
    RiskFactor,
    RiskLevel,
)

__all__ = [
    "Campaign",
    "CampaignTarget",
    "ContraceptiveService",
    "CounsellingClass",
    "CoverageSnapshot",
    "FollowupResult",
    "Method",
    "MopUpRound",
    "NfpcpCheck",
    "NfpcpResult",
    "NfpcpSlipCounter",
    "NfpcpTally",
    "NfpcpTargets",
    "OutcomeType",
    "Residence",
    "RiskFactor",
    "RiskLevel",
    "Supply",
    "SupplyHandout",
]
