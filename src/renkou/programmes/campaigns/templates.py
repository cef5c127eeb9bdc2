"""The campaign templates shipped with renkou: each prefills a rule the clerk may adjust."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renkou.programmes.models import Residence
from renkou.registry.models.codes import MaritalStatus, Sex


@dataclass(frozen=True)
class CampaignTemplate:
    code: str
    name: str | Promise
    description: str | Promise
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None
    marital_statuses: tuple[str, ...] = ()
    hukou_types: tuple[str, ...] = ()
    residence: str = Residence.ANY
    days: int = 90
    tags: tuple[str, ...] = field(default_factory=tuple)


_MARRIED = tuple(sorted(MaritalStatus.married_codes()))

TEMPLATES: dict[str, CampaignTemplate] = {
    t.code: t
    for t in (
        CampaignTemplate(
            code="screening",
            name=_("农村妇女“两癌”筛查"),
            description=_("宫颈癌和乳腺癌筛查：35–64 周岁妇女。"),
            sex=Sex.FEMALE,
            age_min=35,
            age_max=64,
            days=180,
        ),
        CampaignTemplate(
            code="migrant_check",
            name=_("流动人口清理清查"),
            description=_("逐人核实流入人口的居住、就业和婚育情况（清理清查）。"),
            age_min=15,
            age_max=59,
            residence=Residence.INFLOW,
            days=60,
        ),
        CampaignTemplate(
            code="prepregnancy",
            name=_("免费孕前优生健康检查集中服务"),
            description=_("计划怀孕的已婚育龄妇女及其丈夫：以 20–49 周岁已婚妇女为目标。"),
            sex=Sex.FEMALE,
            age_min=20,
            age_max=49,
            marital_statuses=_MARRIED,
            days=90,
        ),
    )
}


def template_choices() -> list[tuple[str, str]]:
    return [(code, str(t.name)) for code, t in TEMPLATES.items()]
