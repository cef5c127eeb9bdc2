"""The open-until-closed ledger (挂账销号): work items, their history, dispatch reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renkou.worklists.outcomes import Outcome


class WorkItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("未销号")
        CLOSED = "closed", _("已销号")

    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("事项"), max_length=200)
    # The scope key: the unit (usually a village) whose officers work the item.
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    subject_person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_marriage = models.ForeignKey(
        "registry.Marriage", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Subjects living in other apps ("feedrow:123"): never an identity number.
    subject_ref = models.CharField(_("关联对象"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    opened_at = models.DateTimeField(_("挂账时间"))
    due_date = models.DateField(_("期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("销号结果"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    evidence = models.TextField(_("佐证"), blank=True)
    exemption_requested = models.BooleanField(_("已申请免办"), default=False)
    exemption_reason = models.TextField(_("免办理由"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(_("上报乡镇时间"), null=True, blank=True)
    version = models.IntegerField(default=1)

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        indexes = [
            models.Index(fields=["org_unit", "status", "kind"], name="workitem_unit_status_idx"),
            models.Index(fields=["assignee", "status"], name="workitem_assignee_idx"),
            models.Index(fields=["status", "due_date"], name="workitem_due_idx"),
            models.Index(fields=["status", "opened_at"], name="workitem_opened_idx"),
            # Items opened together from one source (a campaign's frozen list): its
            # coverage is an index-only GROUP BY over these columns.
            models.Index(
                fields=["source", "org_unit", "status", "outcome", "exemption_requested"],
                name="workitem_source_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        from renkou.worklists.kinds import kind_label

        return kind_label(self.kind)

    @property
    def subject_link(self) -> str | None:
        """The page of another app that works this item's subject_ref, if its kind has one."""
        from renkou.worklists.kinds import get_kind

        kind = get_kind(self.kind)
        if kind is None or kind.subject_link is None or not self.subject_ref:
            return None
        return kind.subject_link(self.subject_ref)

    @property
    def close_page(self) -> tuple[str, str] | None:
        """(URL, label) of the page of another app that closes this item, if any."""
        from renkou.worklists.kinds import get_kind

        kind = get_kind(self.kind)
        if kind is None or kind.close_page is None:
            return None
        return kind.close_page(self.pk, self.subject_ref), str(kind.close_page_label)

    @property
    def subject_link_label(self) -> str:
        from renkou.worklists.kinds import get_kind

        kind = get_kind(self.kind)
        return str(kind.subject_link_label) if kind is not None else ""


ACTION_LABELS = {
    "opened": _("挂账"),
    "assigned": _("交办"),
    "note": _("进展"),
    "closed": _("销号"),
    "exemption_requested": _("申请免办"),
    "reopened": _("重新挂账"),
    "escalated": _("超期上报乡镇"),
    "attachment": _("上传佐证材料"),
    "exemption_refused": _("免办申请未批准"),
    "redated": _("调整期限"),
    "resubjected": _("关联数据更正"),
}


# The event details shown on an item's page (see WorkItemEvent.detail_display).
DETAIL_LABELS = {
    "assignee": _("责任人"),
    "due_date": _("期限"),
    "outcome": _("销号结果"),
    "previous_outcome": _("原销号结果"),
    "due_before": _("超期日"),
    "size": _("文件大小（字节）"),
}


class WorkItemEvent(models.Model):
    """One step in an item's history (opened, assigned, note, closed, reopened…)."""

    item = models.ForeignKey(WorkItem, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=30)
    note = models.TextField(_("说明"), blank=True)
    detail = models.JSONField(_("详情"), default=dict)  # flat str→str

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def detail_display(self) -> list[tuple[str, str]]:
        """The detail a person reads: known keys with their labels, outcomes by name;
        internal keys (where it came from, bulk flags, file hashes) are left out."""
        shown: list[tuple[str, str]] = []
        for key, label in DETAIL_LABELS.items():
            value = str(self.detail.get(key, ""))
            if not value:
                continue
            if key in ("outcome", "previous_outcome") and value in Outcome.values:
                value = str(Outcome(value).label)
            shown.append((str(label), value))
        return shown


class DispatchReview(models.Model):
    """A dated progress snapshot of a township (调度), printed for the meeting."""

    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    taken_at = models.DateTimeField(_("调度时间"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=200)
    period_start = models.DateTimeField(_("本期起"), null=True, blank=True)
    rows = models.JSONField(_("明细"), default=list)  # see reviews.ReviewRow

    class Meta:
        verbose_name = _("调度记录")
        verbose_name_plural = _("调度记录")
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return self.title


class SavedFilter(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(_("筛选条件"), max_length=500)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="savedfilter_user_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Attachment(models.Model):
    """A file of evidence for an item (a photo of a signed form, a scanned certificate).

    The content is sealed with the data key in the database (it is personal data), so
    it is covered by backups, key rotation and the item's scope; never a public URL.
    """

    item = models.ForeignKey(WorkItem, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=100)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    content_cipher = models.BinaryField()
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
