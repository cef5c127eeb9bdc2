"""Seal the detailed addresses, step 3 of 3 (see 0004): the clear columns go and the
sealed ones take their names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_sealed_address_fill"),
    ]

    operations = [
        migrations.RemoveField(model_name="person", name="address"),
        migrations.RemoveField(model_name="household", name="address"),
        migrations.RenameField(model_name="person", old_name="sealed_address", new_name="address"),
        migrations.RenameField(
            model_name="household", old_name="sealed_address", new_name="address"
        ),
    ]
