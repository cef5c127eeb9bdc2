"""Feed rows' natural keys and content digests become keyed (core.crypto.row_digest).

A plain SHA-256 of a row's natural key or content (which hold identity numbers) could be
reversed by hashing candidate numbers. The new digest is the HMAC of the old one, so
every stored value converts exactly: re-sent files and review decisions keep matching.
Not reversible (an HMAC cannot be undone); going back leaves the keyed values, which the
older code would treat as changed rows once.
"""

from typing import Any

from django.db import migrations

PURPOSE = "exchange.feed_row"
BATCH = 2000


def _rekey(model: Any, fields: tuple[str, ...]) -> None:
    from renkou.core.crypto import keyed_row_digest

    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:BATCH])
        if not rows:
            return
        for row in rows:
            for field in fields:
                old = getattr(row, field)
                if old:
                    setattr(row, field, keyed_row_digest(old, purpose=PURPOSE))
        model.objects.bulk_update(rows, list(fields))
        last = rows[-1].pk


def rekey(apps: Any, schema_editor: Any) -> None:
    _rekey(apps.get_model("exchange", "FeedRow"), ("natural_key", "content_hash"))
    _rekey(apps.get_model("exchange", "LinkDecision"), ("natural_key",))


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0008_report_tallies"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
