"""Seal the detailed addresses, step 2 of 3 (see 0004): every row's clear address is
sealed into ``sealed_address``; reversed, every value is opened again."""

from typing import Any

from django.db import migrations

BATCH = 2000


def _copy(apps: Any, *, to_sealed: bool) -> None:
    source, target = ("address", "sealed_address") if to_sealed else ("sealed_address", "address")
    for model_name in ("person", "household"):
        model = apps.get_model("registry", model_name)
        last = 0
        while True:
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", source)[:BATCH])
            if not rows:
                break
            for row in rows:
                setattr(row, target, getattr(row, source) or "")
            model.objects.bulk_update(rows, [target])
            last = rows[-1].pk


def seal(apps: Any, schema_editor: Any) -> None:
    _copy(apps, to_sealed=True)


def unseal(apps: Any, schema_editor: Any) -> None:
    _copy(apps, to_sealed=False)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_sealed_address_add"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
