"""FeedRow keeps only the indexes a query uses (docs/decisions/0011-feed-row-indexes-and-column-wise-staging.md):
(batch, natural_key) replaces the batch and natural-key indexes, the blind indexes lose
theirs, ``superseded_by`` gets a partial one. Reversible: going back rebuilds the old ones.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0009_keyed_row_digests"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="feedrow",
            name="exchange_fe_natural_d8ab8d_idx",
        ),
        migrations.AlterField(
            model_name="feedrow",
            name="batch",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rows",
                to="exchange.feedbatch",
            ),
        ),
        migrations.AlterField(
            model_name="feedrow",
            name="id2_index",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="feedrow",
            name="id_index",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="feedrow",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="supersedes",
                to="exchange.feedrow",
            ),
        ),
        migrations.AddIndex(
            model_name="feedrow",
            index=models.Index(fields=["batch", "natural_key"], name="feedrow_batch_key_idx"),
        ),
        migrations.AddIndex(
            model_name="feedrow",
            index=models.Index(
                condition=models.Q(("superseded_by__isnull", False)),
                fields=["superseded_by"],
                name="feedrow_superseded_idx",
            ),
        ),
    ]
