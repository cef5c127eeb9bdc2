"""The comparison report's tallies, and where each link counts (FeedLink.org_unit).

Links stored before this migration get the unit the report used to place them by: the
person's managing unit, else the unit of the first item opened for the unlinked row.
The tallies of months compared before it are built when the report is first read (or
by ``renkou report_rebuild``).

Items a review decision closed used to be closed under the reviewer's name; the system
closes them now (so a later decision or re-run reopens them rather than opening a copy):
those closings are marked the system's too. They are known by the note and evidence the
reclassification wrote, always in the register's language.
"""

from collections import defaultdict
from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

CHUNK = 2000


def place_links(apps: Any, schema_editor: Any) -> None:
    FeedLink = apps.get_model("exchange", "FeedLink")
    Person = apps.get_model("registry", "Person")
    ReconcileRun = apps.get_model("exchange", "ReconcileRun")
    WorkItem = apps.get_model("worklists", "WorkItem")
    unit = Person.objects.filter(pk=OuterRef("person_id")).values("org_unit_id")[:1]
    FeedLink.objects.filter(person__isnull=False).update(org_unit_id=Subquery(unit))
    for month in ReconcileRun.objects.values_list("month", flat=True).distinct():
        items = WorkItem.objects.filter(
            source=f"reconcile:{month:%Y-%m}",
            kind__startswith="discrepancy.",
            subject_person__isnull=True,
            subject_ref__startswith="feedrow:",
        ).order_by("pk")
        first: dict[str, int] = {}
        for ref, unit_id in items.values_list("subject_ref", "org_unit_id"):
            first.setdefault(ref, unit_id)
        rows: dict[int, list[int]] = defaultdict(list)
        for ref, unit_id in first.items():
            pk = ref.removeprefix("feedrow:")
            if pk.isdigit():
                rows[unit_id].append(int(pk))
        for unit_id, pks in rows.items():
            for start in range(0, len(pks), CHUNK):
                FeedLink.objects.filter(
                    run__month=month,
                    person__isnull=True,
                    feed_row_id__in=pks[start : start + CHUNK],
                ).update(org_unit_id=unit_id)


REVIEW_NOTE = "比对结果经人工审核后不再成立"
REVIEW_EVIDENCE = "人工审核：匹配关系已确认或否定"


def review_closings_are_the_systems(apps: Any, schema_editor: Any) -> None:
    WorkItem = apps.get_model("worklists", "WorkItem")
    WorkItem.objects.filter(
        kind__startswith="discrepancy.",
        status="closed",
        outcome="resolved",
        outcome_note=REVIEW_NOTE,
        evidence=REVIEW_EVIDENCE,
    ).update(closed_by=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
        ("exchange", "0007_linkagemodel"),
        ("registry", "0003_person_name_pattern_index"),
        ("worklists", "0004_source_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportTallyMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(unique=True, verbose_name="月份")),
                ("built_at", models.DateTimeField(verbose_name="重算时间")),
            ],
            options={
                "verbose_name": "比对报告计数月份",
                "verbose_name_plural": "比对报告计数月份",
            },
        ),
        migrations.AddField(
            model_name="feedlink",
            name="org_unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.orgunit",
                verbose_name="统计单位",
            ),
        ),
        migrations.CreateModel(
            name="ReportTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="月份")),
                ("feed_kind", models.CharField(blank=True, max_length=20, verbose_name="类别")),
                ("measure", models.CharField(max_length=40, verbose_name="指标")),
                ("n", models.IntegerField(default=0)),
                (
                    "org_unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.orgunit",
                        verbose_name="单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "比对报告计数",
                "verbose_name_plural": "比对报告计数",
                "indexes": [
                    models.Index(fields=["month", "org_unit"], name="reporttally_month_unit_idx")
                ],
            },
        ),
        migrations.RunPython(place_links, migrations.RunPython.noop),
        migrations.RunPython(review_closings_are_the_systems, migrations.RunPython.noop),
    ]
