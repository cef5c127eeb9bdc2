"""The discrepancy classes a reconciliation produces (DOMAIN.md §5), each a work-item kind
``discrepancy.<code>`` with a Chinese label and the action the item's title suggests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renkou.worklists.outcomes import Outcome


@dataclass(frozen=True)
class Discrepancy:
    code: str
    label: str | Promise
    action: str | Promise

    @property
    def kind(self) -> str:
        return f"discrepancy.{self.code}"


SHOULD_HAVE_LEFT: Final = Discrepancy(
    "should_have_left", _("应销未销"), _("核实后办理出队（死亡或迁出）")
)
UNREPORTED_EVENT: Final = Discrepancy("unreported_event", _("漏报"), _("核实出生并补录新生儿"))
MISSING_PERSON: Final = Discrepancy("missing_person", _("漏登"), _("核实后补登人员信息"))
CONFLICTING: Final = Discrepancy(
    "conflicting", _("错登"), _("核对姓名、性别、出生日期和身份证号并更正")
)
MARRIAGE_NOT_REFLECTED: Final = Discrepancy(
    "marriage_not_reflected", _("婚变未更新"), _("核实婚姻登记并更新婚姻状况")
)
DUPLICATE: Final = Discrepancy("duplicate", _("重登"), _("核实是否同一人，重复的合并"))
NO_HUKOU: Final = Discrepancy("no_hukou", _("未入户"), _("督促家庭为新生儿办理户口登记"))
SEPARATION: Final = Discrepancy(
    "separation", _("人户分离"), _("核实户籍地和现居住地，按管理地规则确定管理单位")
)
# The order is the priority when one subject shows several: the FeedLink keeps the first.
DISCREPANCIES: Final = (
    SHOULD_HAVE_LEFT, UNREPORTED_EVENT, MISSING_PERSON, DUPLICATE, CONFLICTING,
    MARRIAGE_NOT_REFLECTED, NO_HUKOU, SEPARATION,
)  # fmt: skip
BY_CODE: Final = {d.code: d for d in DISCREPANCIES}

# A data discrepancy is resolved, not declined: no "declined" outcome.
_OUTCOMES: Final = frozenset(
    {Outcome.DONE, Outcome.RESOLVED, Outcome.EXEMPT, Outcome.MOVED, Outcome.DIED,
     Outcome.UNREACHABLE}
)  # fmt: skip


def register_discrepancy_kinds() -> None:
    """Called from the app's ready(): one work-item kind per class."""
    from django.urls import reverse

    from renkou.exchange.report_tally import tally_items_changed
    from renkou.worklists.kinds import register_kind

    def resolve_page(pk: int, _subject_ref: str) -> str:
        return reverse("exchange:discrepancy_resolve", args=[pk])

    for d in DISCREPANCIES:
        # Closed on the comparison's own page: apply the feed's data, the register is
        # right, not our person, or other (exchange/resolve.py).
        register_kind(
            code=d.kind, label=d.label, allowed_outcomes=_OUTCOMES,
            close_page=resolve_page, close_page_label=_("比对差异处理（按部门数据更新登记）"),
            on_status=tally_items_changed,  # the comparison report's open / closed counts
        )  # fmt: skip
