"""Import batches: every row that came from a file keeps its batch and source row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        STAGED = "staged", _("待导入")
        APPLIED = "applied", _("已导入")
        REJECTED = "rejected", _("已拒绝")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类别"), max_length=30, db_index=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(_("大小"))
    period = models.CharField(_("月份"), max_length=7, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    rows_total = models.IntegerField(_("总行数"), default=0)
    rows_ok = models.IntegerField(_("成功行数"), default=0)
    rows_error = models.IntegerField(_("错误行数"), default=0)
    rows_created = models.IntegerField(_("新增"), default=0)
    rows_updated = models.IntegerField(_("更新"), default=0)
    rows_unchanged = models.IntegerField(_("未变"), default=0)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class ImportRowError(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="errors")
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row = models.IntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=100, blank=True)
    # Identity numbers and phones are stored here masked (SECURITY.md: nothing raw in logs).
    raw_value = models.CharField(_("原始值"), max_length=255, blank=True)
    reason = models.CharField(_("原因"), max_length=255)

    class Meta:
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"{self.row}:{self.column} {self.reason}"
