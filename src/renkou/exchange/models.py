"""Department feed batches and their rows, versioned: a corrected file supersedes rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renkou.core.models import ImportBatch


def feed_label(kind: str) -> str:
    """A feed kind's name (公安户籍变动 …), the code itself when unknown."""
    from renkou.exchange.feeds import FEEDS

    feed = FEEDS.get(kind)
    return str(feed.label) if feed else kind


class FeedBatch(models.Model):
    """One applied (or dry-run) feed file of a kind for a month.

    ``org_unit`` is whose data the file is: the county's whole-county file, or one
    township's own file (its police station's changes, its schools). A corrected file
    supersedes only rows of the same kind, month and unit; NULL (files imported before
    units were recorded) counts as the whole county.
    """

    kind = models.CharField(_("类别"), max_length=20)
    month = models.DateField(_("月份"))  # first day of the month
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("数据范围"),
    )
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

    @property
    def kind_label(self) -> str:
        return feed_label(self.kind)


class FeedRow(models.Model):
    """One row of a feed, normalised and typed.

    Identity numbers are never stored raw: ``id`` is the subject's number (the mother's
    on a birth certificate, the husband's on a marriage), ``id2`` the father's / wife's.
    An invalid number is kept with ``*_valid`` False (a discrepancy in itself).
    ``extra`` holds the remaining non-ID columns as text. The current version of a
    record has ``superseded_by`` NULL and ``withdrawn`` False.
    """

    # Indexes: see Meta (each one costs every staged row its upkeep).
    batch = models.ForeignKey(
        FeedBatch, on_delete=models.PROTECT, related_name="rows", db_index=False
    )
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row_number = models.IntegerField(_("行号"))
    source_record_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    natural_key = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_cipher = models.BinaryField(null=True, blank=True)
    id_index = models.CharField(max_length=64, blank=True)
    id_masked = models.CharField(_("身份证号"), max_length=32, blank=True)
    id_valid = models.BooleanField(_("身份证号有效"), default=False)
    id2_cipher = models.BinaryField(null=True, blank=True)
    id2_index = models.CharField(max_length=64, blank=True)
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
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        db_index=False,
    )

    class Meta:
        verbose_name = _("部门数据行")
        verbose_name_plural = _("部门数据行")
        ordering = ["batch_id", "row_number"]
        # Only what a query needs (docs/decisions/0011): the rows of a batch, and the
        # batch's rows by natural key (an import links corrected rows to their
        # predecessors); which rows a row supersedes (PROTECT on delete) — a partial
        # index, as a new row supersedes nothing and so costs it no upkeep. The blind
        # indexes are only ever read from a row, never searched: no index.
        indexes = [
            models.Index(fields=["batch", "natural_key"], name="feedrow_batch_key_idx"),
            models.Index(
                fields=["superseded_by"],
                name="feedrow_superseded_idx",
                condition=models.Q(superseded_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class ReconcileRun(models.Model):
    """One comparison of a month's feeds with the register (比对), over the feeds of one
    unit (a township's own files, or the whole county). Runs are kept as history; the
    links of a feed row belong to the latest run that covered it (``is_latest``: no
    later run of the same unit or of a unit containing it)."""

    month = models.DateField(_("月份"))  # first day of the month
    # The unit the run compared: the feeds of batches inside it (NULL: the whole county).
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("比对范围"),
    )
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


# How a link was made (linkage.cascade.METHODS and the model), as reviewers read it.
METHOD_LABELS = {
    "exact_id": _("身份证号一致"),
    "repaired_id": _("身份证号校验修复后一致"),
    "mother_id": _("按母亲身份证号"),
    "father_household": _("按父亲身份证号找到同户的妻子"),
    "mother_household": _("按母亲所在户"),
    "name_dob_unique": _("姓名和出生日期唯一"),
    "probabilistic": _("概率模型"),
}


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
    # Where the subject counts in the comparison report, fixed when the run stores the
    # link: the (candidate) person's managing unit then, else the unit of the item the
    # comparison opened for the unlinked row; NULL: nowhere (未定位, the county's).
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("统计单位"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("比对结果")
        verbose_name_plural = _("比对结果")
        ordering = ["run_id", "feed_row_id", "side"]
        indexes = [models.Index(fields=["run", "discrepancy"], name="feedlink_run_class_idx")]

    def __str__(self) -> str:
        return f"{self.feed_row_id}{self.side}→{self.person_id}"

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS.get(self.method, self.method))


class ReportTally(models.Model):
    """The comparison report's counts (report_tally.py), kept as each change happens:
    ``n`` subjects or items of ``feed_kind`` counted under ``measure`` in ``org_unit``
    and every unit below it (a township's row holds its villages' too); NULL is the
    subjects placed nowhere (未定位). A key may have several rows: readers add them up."""

    month = models.DateField(_("月份"))  # first day of the month
    feed_kind = models.CharField(_("类别"), max_length=20, blank=True)
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("单位"),
    )  # fmt: skip
    # "received", "auto", "reviewed", "pending", "open:<class>", "closed:<class>",
    # "den:<target>", "num:<target>" (report_tally.MEASURES).
    measure = models.CharField(_("指标"), max_length=40)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("比对报告计数")
        verbose_name_plural = _("比对报告计数")
        indexes = [models.Index(fields=["month", "org_unit"], name="reporttally_month_unit_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.feed_kind} {self.org_unit_id} {self.measure}={self.n}"


class ReportTallyMonth(models.Model):
    """A month whose tallies were built from scratch (the run's end, or ``renkou
    report_rebuild``); from then on every change keeps them up to date."""

    month = models.DateField(_("月份"), unique=True)
    built_at = models.DateTimeField(_("重算时间"))

    class Meta:
        verbose_name = _("比对报告计数月份")
        verbose_name_plural = _("比对报告计数月份")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class LinkDecision(models.Model):
    """A reviewer's decision on one feed subject ↔ register person pair (人工审核), kept as
    history. Keyed by the feed row's kind + natural key + side + person, so a re-run of
    the month (new FeedRow versions, new FeedLinks) still honours it."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", _("确认同一人")
        REJECTED = "rejected", _("确认非同一人")
        PENDING = "pending", _("撤销决定，重新待审核")

    feed_kind = models.CharField(_("类别"), max_length=20)
    natural_key = models.CharField(max_length=64)
    side = models.CharField(_("一方"), max_length=10, blank=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    feed_row = models.ForeignKey(FeedRow, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices)
    previous = models.CharField(_("原状态"), max_length=10, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("人工审核记录")
        verbose_name_plural = _("人工审核记录")
        ordering = ["decided_at", "id"]
        indexes = [
            models.Index(fields=["feed_kind", "natural_key", "side"], name="linkdecision_key_idx")
        ]

    def __str__(self) -> str:
        return f"{self.feed_kind}:{self.natural_key}{self.side}→{self.person_id} {self.decision}"


class Resolution(models.Model):
    """How a discrepancy item was closed: which resolution, what it changed in the
    register (before/after, identity numbers masked), on which feed row's evidence."""

    class Kind(models.TextChoices):
        APPLY = "apply", _("按部门数据更新登记")
        REGISTER_RIGHT = "register_right", _("登记信息无误")
        NOT_OURS = "not_ours", _("非本地人员")
        OTHER = "other", _("其他")

    item = models.ForeignKey(
        "worklists.WorkItem", on_delete=models.PROTECT, related_name="resolutions"
    )
    resolution = models.CharField(_("处理方式"), max_length=20, choices=Kind.choices)
    feed_row = models.ForeignKey(
        FeedRow, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # {"field": ["before", "after"]} — flat strings, never a raw identity number.
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    evidence = models.CharField(_("佐证"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("差异处理")
        verbose_name_plural = _("差异处理")
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.resolution}"


class Job(models.Model):
    """One piece of work done in the background for a person (导入预览, 导入, 比对).

    Runs in the django-tasks worker (``renkou db_worker``), or inline for a small file;
    either way through :func:`renkou.exchange.jobs.job_process`. ``org_unit`` is the
    unit of the person who queued it: the job, its preview and its error report are seen
    only inside that subtree. ``rows_total`` is an estimate until the file is read.
    """

    class Kind(models.TextChoices):
        PREVIEW = "preview", _("导入预览")
        APPLY = "apply", _("导入")
        RECONCILE = "reconcile", _("比对")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    month = models.DateField(_("月份"))
    feed_kind = models.CharField(_("数据类别"), max_length=20, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    # The stored upload, relative to DATA_DIR (core.intake's imports/<batch>/source.*).
    file_path = models.CharField(max_length=255, blank=True)
    mapping = models.JSONField(_("表头映射"), default=dict, blank=True)
    preview = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="applies"
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    feed_batch = models.ForeignKey(
        FeedBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reconcile_run = models.ForeignKey(
        ReconcileRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rows_done = models.IntegerField(_("已处理行数"), default=0)
    rows_total = models.IntegerField(_("总行数"), default=0)
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "kind"], name="exchange_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def feed_label(self) -> str:
        return feed_label(self.feed_kind)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


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
