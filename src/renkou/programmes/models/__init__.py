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

__all__ = ["Campaign", "CampaignTarget", "CoverageSnapshot", "MopUpRound", "Residence"]
