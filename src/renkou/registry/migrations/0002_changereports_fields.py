from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="changereport",
            name="place_code",
            field=models.CharField(blank=True, max_length=12, verbose_name="地点区划代码"),
        ),
        migrations.AddField(
            model_name="changereport",
            name="marriage_kind",
            field=models.CharField(
                blank=True,
                choices=[("first", "初婚"), ("remarriage", "再婚"), ("reunion", "复婚")],
                max_length=12,
                verbose_name="婚姻类型",
            ),
        ),
    ]
