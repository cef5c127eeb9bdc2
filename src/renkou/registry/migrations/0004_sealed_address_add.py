"""Seal the detailed addresses of persons and households (SECURITY.md, ADR 0009), step 1
of 3: a ``sealed_address`` column beside each clear one; 0005 seals every row's value
into it; 0006 drops the clear columns and renames. (Three migrations, as in programmes
0003–0005: PostgreSQL refuses to alter a table in the transaction that updated its rows.)

After migrating, rewrite the tables' pages (SQLite ``VACUUM``; PostgreSQL ``VACUUM FULL``
of registry_person and registry_household) so the dropped clear values leave the files.
"""

from django.db import migrations

import renkou.core.sealed


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_person_name_pattern_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="sealed_address",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                max_length=200,
                pad_to=64,
                context=b"registry.Person.address",
                default="",
                verbose_name="详细地址",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="household",
            name="sealed_address",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                max_length=200,
                pad_to=64,
                context=b"registry.Household.address",
                default="",
                verbose_name="地址",
            ),
            preserve_default=False,
        ),
    ]
