"""Seal the reproductive-health columns, step 2 of 3 (see 0003): every row's clear value
is sealed into its ``sealed_<name>`` column; reversed, every value is opened again.

The same step clears copies of sealed content kept in clear columns elsewhere: the
unkeyed row digests of imported results, the method in the titles of contraception
follow-up items, and what the NFPCP follow-up items' evidence said was found. (The
append-only audit log cannot be rewritten: events written before this release may still
name a method, a risk level or an outcome.)
"""

import re
from typing import Any

from django.db import migrations

# model → its sealed columns (names as they were and are: the ``sealed_`` copy is temporary)
SEALED = {
    "contraceptiveservice": ["method", "note"],
    "supplyhandout": ["supply", "note"],
    "nfpcpcheck": [
        "closed_reason",
        "risk_level",
        "risk_factors",
        "counselling_class",
        "advice",
        "referred_on",
        "referred_to",
        "referral_reason",
        "pregnant",
        "lmp",
        "outcome_type",
        "outcome_date",
    ],
    "nfpcpresult": ["value", "abnormal"],
}
BATCH = 500


def _copy(apps: Any, *, to_sealed: bool) -> None:
    for model_name, names in SEALED.items():
        model = apps.get_model("programmes", model_name)
        pairs = [(n, f"sealed_{n}") if to_sealed else (f"sealed_{n}", n) for n in names]
        targets = [target for _source, target in pairs]
        last = 0
        while True:
            rows = list(model.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not rows:
                break
            for row in rows:
                for source, target in pairs:
                    setattr(row, target, getattr(row, source))
            model.objects.bulk_update(rows, targets)
            last = rows[-1].pk


# What the services now write as the evidence of a done NFPCP follow-up.
FOLLOWED_UP = "已随访（结果见孕前检查记录）"
FOUND = re.compile(r"^(已怀孕，孕-?\d+周随访|随访期内未怀孕|妊娠结局：.*)$")
METHOD_SUFFIX = re.compile(r"（[^（）]*）$")


def _scrub_copies(apps: Any) -> None:
    apps.get_model("programmes", "nfpcpresult").objects.exclude(source_hash="").update(
        source_hash=""
    )
    items = apps.get_model("worklists", "workitem").objects
    for item in items.filter(kind="contraception_followup").only("pk", "title"):
        title = METHOD_SUFFIX.sub("", item.title)
        if title != item.title:
            items.filter(pk=item.pk).update(title=title)
    found = items.filter(kind__in=("nfpcp_early_pregnancy", "nfpcp_outcome")).exclude(evidence="")
    for item in found.only("pk", "evidence"):
        if FOUND.match(item.evidence):
            items.filter(pk=item.pk).update(evidence=FOLLOWED_UP)


def seal(apps: Any, schema_editor: Any) -> None:
    _copy(apps, to_sealed=True)
    _scrub_copies(apps)


def unseal(apps: Any, schema_editor: Any) -> None:
    # The scrubbed copies are not restored: nothing needs them.
    _copy(apps, to_sealed=False)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0003_sealed_columns_add"),
        ("worklists", "0004_source_index"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
