"""Imported persons' row digests (``source_hash``) become keyed (core.crypto.row_digest).

A plain SHA-256 of a register row (which holds the identity number) could be reversed by
hashing candidate rows. The new digest is the HMAC of the old one, so every stored value
converts exactly and a re-import still sees unchanged rows as unchanged. Not reversible.
"""

from typing import Any

from django.db import migrations

PURPOSE = "registry.row"
BATCH = 2000


def rekey(apps: Any, schema_editor: Any) -> None:
    from renkou.core.crypto import keyed_row_digest

    person = apps.get_model("registry", "Person")
    last = 0
    while True:
        rows = list(
            person.objects.filter(pk__gt=last).order_by("pk").only("pk", "source_hash")[:BATCH]
        )
        if not rows:
            return
        changed = [row for row in rows if row.source_hash]
        for row in changed:
            row.source_hash = keyed_row_digest(row.source_hash, purpose=PURPOSE)
        person.objects.bulk_update(changed, ["source_hash"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_sealed_address_swap"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
