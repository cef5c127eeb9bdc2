"""Department feed batches and their rows, versioned: a corrected file supersedes rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renkou.core.models import ImportBatch


class FeedBatch(models.Model):
    """One applied (or dry-run) feed file of a kind for a month."""

    kind = models.CharField(_("类别"), max_length=20)
    month = models.DateField(_("月份"))  # first day of the month
    import_batch = models.OneToOneField(
        ImportBatch, on_delete=models.PROTECT, related_name="feed_batch"
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    rows_total = models.IntegerField(_("总行数"), default=0)
    rows_error = models.IntegerField(_("错误行数"), default=0)
    rows_created = models.IntegerField(_("新增"), default=0)
    rows_superseded = models.IntegerField(_("更正"), default=0)
    rows_withdrawn = models.IntegerField(_("撤回"), default=0)
    rows_unchanged = models.IntegerField(_("未变"), default=0)

    class Meta:
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "month"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.month:%Y-%m}"


class FeedRow(models.Model):
    """One row of a feed, normalised and typed.

    Identity numbers are never stored raw: ``id`` is the subject's number (the mother's
    on a birth certificate, the husband's on a marriage), ``id2`` the father's / wife's.
    An invalid number is kept with ``*_valid`` False (a discrepancy in itself).
    ``extra`` holds the remaining non-ID columns as text. The current version of a
    record has ``superseded_by`` NULL and ``withdrawn`` False.
    """

    batch = models.ForeignKey(FeedBatch, on_delete=models.PROTECT, related_name="rows")
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row_number = models.IntegerField(_("行号"))
    source_record_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    natural_key = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_cipher = models.BinaryField(null=True, blank=True)
    id_index = models.CharField(max_length=64, blank=True, db_index=True)
    id_masked = models.CharField(_("身份证号"), max_length=32, blank=True)
    id_valid = models.BooleanField(_("身份证号有效"), default=False)
    id2_cipher = models.BinaryField(null=True, blank=True)
    id2_index = models.CharField(max_length=64, blank=True, db_index=True)
    id2_masked = models.CharField(_("第二身份证号"), max_length=32, blank=True)
    id2_valid = models.BooleanField(_("第二身份证号有效"), default=False)
    event_type = models.CharField(_("事件类型"), max_length=20, blank=True)
    event_date = models.DateField(_("事件日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=255, blank=True)
    org = models.CharField(_("机构"), max_length=255, blank=True)
    household_code = models.CharField(_("户号"), max_length=30, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    withdrawn = models.BooleanField(_("已撤回"), default=False)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )

    class Meta:
        verbose_name = _("部门数据行")
        verbose_name_plural = _("部门数据行")
        ordering = ["batch_id", "row_number"]
        indexes = [models.Index(fields=["natural_key"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class ReconcileRun(models.Model):
    """One comparison of a month's feeds with the register (比对). Runs are kept as
    history; only the latest run of a month keeps its links (``is_latest``)."""

    month = models.DateField(_("月份"))  # first day of the month
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # {"rows": int, "linked": int, "by_method": {method: int}, "by_class": {code: int},
    #  "items_opened": int, "items_existing": int} — all values ints or dicts of ints.
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    is_latest = models.BooleanField(_("最新"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("比对批次")
        verbose_name_plural = _("比对批次")
        ordering = ["-id"]
        indexes = [models.Index(fields=["month", "is_latest"], name="reconcilerun_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} #{self.pk}"


class FeedLink(models.Model):
    """One subject of a feed row (a marriage has two) and who it was linked to."""

    class Side(models.TextChoices):
        SELF = "", _("本人")
        HUSBAND = "husband", _("男方")
        WIFE = "wife", _("女方")

    class Review(models.TextChoices):
        NONE = "", _("无需审核")
        PENDING = "pending", _("待审核")
        CONFIRMED = "confirmed", _("确认同一人")
        REJECTED = "rejected", _("确认非同一人")

    run = models.ForeignKey(ReconcileRun, on_delete=models.CASCADE, related_name="links")
    feed_row = models.ForeignKey(FeedRow, on_delete=models.PROTECT, related_name="links")
    side = models.CharField(_("一方"), max_length=10, choices=Side.choices, blank=True)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("匹配方法"), max_length=30, blank=True)
    probability = models.FloatField(_("匹配概率"), default=0.0)
    role = models.CharField(_("角色"), max_length=20, blank=True)
    # Evidence levels, str → str: {"name": "exact", "dob": "day", "sex": "same", ...}.
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    discrepancy = models.CharField(_("差异类别"), max_length=40, blank=True)
    # Links from the probabilistic model between the two thresholds wait for a person to
    # decide (link / not the same person); until confirmed they count as unlinked.
    review = models.CharField(_("人工审核"), max_length=10, choices=Review.choices, blank=True)

    class Meta:
        verbose_name = _("比对结果")
        verbose_name_plural = _("比对结果")
        ordering = ["run_id", "feed_row_id", "side"]
        indexes = [models.Index(fields=["run", "discrepancy"], name="feedlink_run_class_idx")]

    def __str__(self) -> str:
        return f"{self.feed_row_id}{self.side}→{self.person_id}"


class LinkageModel(models.Model):
    """Trained parameters of the probabilistic linkage stage (renkou.linkage.model).

    ``params`` is the stored model's JSON text exactly as written; ``sha256`` is its hash,
    checked on every load (a changed or damaged row is refused, never used). Only one row
    is active: ``renkou reconcile`` uses it month after month, ``renkou linkage_train``
    adds a new active row and keeps the old ones as history.
    """

    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    month = models.DateField(_("训练数据月份"))
    backend = models.CharField(_("训练引擎"), max_length=10, default="duckdb")
    params = models.TextField(_("模型参数"))
    sha256 = models.CharField(_("校验值"), max_length=64)
    # {"register_rows": int, "feed_subjects": int, "prior": float, "seconds": float, ...}
    summary = models.JSONField(_("训练摘要"), default=dict, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("匹配模型")
        verbose_name_plural = _("匹配模型")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="linkagemodel_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.sha256[:12]}"
