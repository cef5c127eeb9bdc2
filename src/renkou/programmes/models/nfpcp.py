"""The free pre-pregnancy eugenic health check (NFPCP, 国家免费孕前优生健康检查).

One :class:`NfpcpCheck` is one couple's free check for one planned pregnancy: the
numbered slip, consent, the results of the 19 items, the risk assessment, a referral
and the two follow-ups. It never stores a fetus's sex.

What the check found and what became of the pregnancy is sealed (encrypted at rest,
``renkou.core.sealed``, ADR 0009); the workflow that scopes, lists and schedules the
check — units, slip, status, and the dates of registration, appointment, consent,
assessment and the follow-up visits — stays in clear columns.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkou.core.sealed import (
    SealedBooleanField,
    SealedCharField,
    SealedDateField,
    SealedJSONField,
    SealedTextField,
)


def _ctx(model: str, field: str) -> bytes:
    return f"programmes.{model}.{field}".encode()


class RiskLevel(models.TextChoices):
    GENERAL = "general", _("一般人群")
    HIGH = "high", _("高风险人群")


class RiskFactor(models.TextChoices):
    GENETIC = "genetic", _("遗传因素")
    REPRODUCTIVE = "reproductive", _("不良生育史")
    CHRONIC = "chronic", _("慢性疾病")
    INFECTION = "infection", _("感染性疾病")
    NUTRITION = "nutrition", _("营养因素")
    BEHAVIOUR = "behaviour", _("不良行为")
    ENVIRONMENT = "environment", _("环境因素")
    PSYCHOSOCIAL = "psychosocial", _("社会心理因素")


class CounsellingClass(models.TextChoices):
    A = "A", _("A类：可预防或治疗的风险")
    B = "B", _("B类：需治疗后再怀孕")
    C = "C", _("C类：目前尚无有效治疗")
    D = "D", _("D类：孕期需密切监测")
    X = "X", _("X类：暂不宜怀孕")


class OutcomeType(models.TextChoices):
    LIVE_BIRTH = "live_birth", _("活产")
    STILLBIRTH = "stillbirth", _("死胎死产")
    MISCARRIAGE = "miscarriage", _("自然流产")
    INDUCED = "induced", _("医学原因终止妊娠")
    ECTOPIC = "ectopic", _("异位妊娠")
    OTHER = "other", _("其他")


class NfpcpCheck(models.Model):
    """One couple's free pre-pregnancy check for one planned pregnancy."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已登记")
        CONSENTED = "consented", _("已知情同意")
        EXAMINED = "examined", _("已检查")
        ASSESSED = "assessed", _("已评估告知")
        PREGNANT = "pregnant", _("已怀孕随访中")
        CLOSED = "closed", _("已结束")

    marriage = models.ForeignKey("registry.Marriage", on_delete=models.PROTECT, related_name="+")
    wife = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    husband = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    # The scope key: the wife's managing unit (a village).
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("村居")
    )
    township = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    slip_number = models.CharField(_("通知单编号"), max_length=40, unique=True)
    registered_on = models.DateField(_("登记日期"))
    appointment_date = models.DateField(_("预约检查日期"))
    facility = models.CharField(_("检查机构"), max_length=100)
    planned_from = models.DateField(_("计划怀孕时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    # False once the planned pregnancy is over (outcome, not pregnant, withdrawn).
    open = models.BooleanField(default=True)
    closed_reason = SealedCharField(
        _("结束原因"), max_length=100, blank=True, context=_ctx("NfpcpCheck", "closed_reason")
    )
    consent_on = models.DateField(_("知情同意日期"), null=True, blank=True)
    consent_wife = models.BooleanField(_("女方已签字"), default=False)
    consent_husband = models.BooleanField(_("男方已签字"), default=False)
    risk_level = SealedCharField(
        _("风险评估"), max_length=10, choices=RiskLevel.choices, blank=True,
        context=_ctx("NfpcpCheck", "risk_level"),
    )  # fmt: skip
    # RiskFactor values; padded so that the number of factors does not show either.
    risk_factors = SealedJSONField(
        _("风险因素"), default=list, pad_to=128, context=_ctx("NfpcpCheck", "risk_factors")
    )
    counselling_class = SealedCharField(
        _("咨询指导分类"), max_length=1, choices=CounsellingClass.choices, blank=True,
        context=_ctx("NfpcpCheck", "counselling_class"),
    )  # fmt: skip
    advice = SealedTextField(_("咨询指导意见"), blank=True, context=_ctx("NfpcpCheck", "advice"))
    assessed_on = models.DateField(_("评估告知日期"), null=True, blank=True)
    assessed_by = models.CharField(_("评估医生"), max_length=50, blank=True)
    # Only high-risk couples are referred: that a referral happened is sealed too.
    referred_on = SealedDateField(
        _("转诊日期"), null=True, blank=True, context=_ctx("NfpcpCheck", "referred_on")
    )
    referred_to = SealedCharField(
        _("转诊机构"), max_length=100, blank=True, context=_ctx("NfpcpCheck", "referred_to")
    )
    referral_reason = SealedCharField(
        _("转诊原因"), max_length=200, blank=True, context=_ctx("NfpcpCheck", "referral_reason")
    )
    early_followup_on = models.DateField(_("早孕随访日期"), null=True, blank=True)
    pregnant = SealedBooleanField(_("已怀孕"), null=True, context=_ctx("NfpcpCheck", "pregnant"))
    lmp = SealedDateField(_("末次月经"), null=True, blank=True, context=_ctx("NfpcpCheck", "lmp"))
    outcome_followup_on = models.DateField(_("妊娠结局随访日期"), null=True, blank=True)
    outcome_type = SealedCharField(
        _("妊娠结局"), max_length=12, choices=OutcomeType.choices, blank=True,
        context=_ctx("NfpcpCheck", "outcome_type"),
    )  # fmt: skip
    outcome_date = SealedDateField(
        _("结局日期"), null=True, blank=True, context=_ctx("NfpcpCheck", "outcome_date")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("孕前优生健康检查")
        verbose_name_plural = _("孕前优生健康检查")
        ordering = ["-registered_on", "-id"]
        constraints = [
            # One free check per couple per planned pregnancy.
            models.UniqueConstraint(
                fields=["marriage"], condition=Q(open=True), name="nfpcp_one_open_per_couple"
            )
        ]
        indexes = [models.Index(fields=["org_unit", "registered_on"], name="nfpcp_unit_idx")]

    def __str__(self) -> str:
        return self.slip_number


class NfpcpResult(models.Model):
    """The result of one of the 19 items for one spouse."""

    class Subject(models.TextChoices):
        WIFE = "W", _("女方")
        HUSBAND = "H", _("男方")

    check_record = models.ForeignKey(NfpcpCheck, on_delete=models.PROTECT, related_name="results")
    item_no = models.PositiveSmallIntegerField(_("项目编号"))
    subject = models.CharField(_("对象"), max_length=1, choices=Subject.choices)
    value = SealedCharField(_("结果"), max_length=60, context=_ctx("NfpcpResult", "value"))
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    abnormal = SealedBooleanField(_("异常"), context=_ctx("NfpcpResult", "abnormal"))
    reviewer = models.CharField(_("审核人"), max_length=50)
    examined_on = models.DateField(_("检查日期"))
    import_batch = models.ForeignKey(
        "core.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_row = models.IntegerField(null=True, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["item_no", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_record", "item_no", "subject"], name="nfpcp_result_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_no}{self.subject}"


class NfpcpSlipCounter(models.Model):
    """The last slip number issued per township and year (locked while incremented)."""

    township = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["township", "year"], name="nfpcp_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.township_id}-{self.year}:{self.last}"


class NfpcpTally(models.Model):
    """The indicators' counts of one village's checks registered in one year
    (``indicators.MEASURES``), so that a county's page reads a row per village instead
    of opening every check's sealed fields. The counts are sealed too: a count of one is
    as telling as the check it counts.

    A change to one of the checks sets ``stale`` (and moves ``generation``) in its own
    transaction; the indicators recount a stale or missing village when next asked, and
    store the result only if no change came while they counted (``generation``)."""

    org_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    counts = SealedJSONField(default=list, pad_to=128, context=_ctx("NfpcpTally", "counts"))
    stale = models.BooleanField(default=True)
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year"], name="nfpcp_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id}-{self.year}"


class NfpcpTargets(models.Model):
    """Indicator targets; the row of the nearest unit up the tree applies (none: defaults)."""

    org_unit = models.OneToOneField(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    coverage = models.DecimalField(
        _("目标人群覆盖率"), max_digits=4, decimal_places=3, default=Decimal("0.900")
    )
    early_followup = models.DecimalField(
        _("早孕随访率"), max_digits=4, decimal_places=3, default=Decimal("0.800")
    )
    outcome_followup = models.DecimalField(
        _("妊娠结局随访率"), max_digits=4, decimal_places=3, default=Decimal("0.550")
    )
    high_risk_low = models.DecimalField(
        _("高风险比例下限"), max_digits=4, decimal_places=3, default=Decimal("0.130")
    )
    high_risk_high = models.DecimalField(
        _("高风险比例上限"), max_digits=4, decimal_places=3, default=Decimal("0.210")
    )
    # How long after the notice the early-pregnancy follow-up item stays due.
    conception_window_days = models.PositiveSmallIntegerField(
        _("计划怀孕随访期（天）"), default=180
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("孕前检查指标目标")
        verbose_name_plural = _("孕前检查指标目标")

    def __str__(self) -> str:
        return str(self.org_unit_id)
