"""The work-item kinds of the programmes, registered in the worklists registry."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from renkou.worklists.kinds import register_kind
from renkou.worklists.outcomes import FOLLOWUP_ENDINGS, Outcome

_FOLLOWUP_OUTCOMES = frozenset({Outcome.DONE, *FOLLOWUP_ENDINGS})


def _nfpcp_close_page(item_pk: int, ref: str) -> str:
    """The follow-up page of the item's check: the one place an NFPCP follow-up closes,
    so the check ends (or goes on) with its item."""
    prefix, _sep, pk = ref.partition(":")
    if prefix != "nfpcp" or not pk.isdigit():
        return reverse("worklists:item_detail", args=[item_pk])
    return reverse("programmes:nfpcp_followup", args=[int(pk)])


def _service_link(ref: str) -> str | None:
    prefix, _sep, pk = ref.partition(":")
    if prefix != "contraception" or not pk.isdigit():
        return None
    return reverse("programmes:contraception_detail", args=[int(pk)])


NFPCP_EARLY = register_kind(
    code="nfpcp_early_pregnancy",
    label=_("孕前检查早孕随访"),
    allowed_outcomes=_FOLLOWUP_OUTCOMES,
    close_page=_nfpcp_close_page,
    close_page_label=_("孕前检查随访登记"),
)
NFPCP_OUTCOME = register_kind(
    code="nfpcp_outcome",
    label=_("孕前检查妊娠结局随访"),
    # RESOLVED: the early follow-up that opened it was corrected to "not pregnant".
    allowed_outcomes=_FOLLOWUP_OUTCOMES | {Outcome.RESOLVED},
    close_page=_nfpcp_close_page,
    close_page_label=_("孕前检查随访登记"),
)


def _contraception_close_page(item_pk: int, ref: str) -> str:
    """The service's page: the follow-up's answer is sealed with the service there."""
    return _service_link(ref) or reverse("worklists:item_detail", args=[item_pk])


CONTRACEPTION_FOLLOWUP = register_kind(
    code="contraception_followup",
    label=_("避孕节育服务随访"),
    allowed_outcomes=_FOLLOWUP_OUTCOMES,
    subject_link=_service_link,
    subject_link_label=_("查看服务记录"),
    close_page=_contraception_close_page,
    close_page_label=_("避孕节育服务随访登记"),
)
