"""Seal the reproductive-health columns of the programmes (ADR 0009), step 1 of 3.

Each sealed column is rebuilt: this step adds a ``sealed_<name>`` column beside each
clear one; 0004 seals every row's value into it (under the column's own context) and
clears copies kept elsewhere; 0005 drops the clear columns and gives the sealed ones their
names. Three migrations, because PostgreSQL refuses to alter a table in the transaction
that has just updated its rows. All three are reversible.

After migrating, rewrite the tables' pages (SQLite ``VACUUM``; PostgreSQL ``VACUUM FULL``
of the four tables) so the dropped clear values leave the database files; backups taken
before still hold them.
"""

from django.db import migrations, models

import renkou.core.sealed


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0002_campaigns"),
    ]

    operations = [
        # The clear columns that had neither a default nor NULL may be empty for a moment
        # when the migration is reversed (re-added, then filled by `unseal`).
        migrations.AlterField(
            model_name="contraceptiveservice",
            name="method",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.AlterField(
            model_name="supplyhandout",
            name="supply",
            field=models.CharField(max_length=12, null=True),
        ),
        migrations.AlterField(
            model_name="nfpcpresult", name="value", field=models.CharField(max_length=60, null=True)
        ),
        migrations.AlterField(
            model_name="nfpcpresult", name="abnormal", field=models.BooleanField(null=True)
        ),
        migrations.AddField(
            model_name="contraceptiveservice",
            name="sealed_method",
            field=renkou.core.sealed.SealedCharField(
                choices=[
                    ("counselling", "咨询指导"),
                    ("condom", "避孕套"),
                    ("oral", "口服避孕药"),
                    ("emergency", "紧急避孕药"),
                    ("injectable", "避孕针"),
                    ("topical", "外用避孕药"),
                    ("iud_insert", "放置宫内节育器"),
                    ("iud_remove", "取出宫内节育器"),
                    ("implant_insert", "皮下埋植"),
                    ("implant_remove", "取出皮下埋植"),
                    ("other", "其他"),
                ],
                context=b"programmes.ContraceptiveService.method",
                max_length=20,
                verbose_name="服务项目",
            ),
        ),
        migrations.AddField(
            model_name="contraceptiveservice",
            name="sealed_note",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                context=b"programmes.ContraceptiveService.note",
                max_length=200,
                verbose_name="备注",
            ),
        ),
        migrations.AddField(
            model_name="supplyhandout",
            name="sealed_supply",
            field=renkou.core.sealed.SealedCharField(
                choices=[
                    ("condom", "避孕套"),
                    ("oral", "口服避孕药"),
                    ("emergency", "紧急避孕药"),
                    ("topical", "外用避孕药"),
                    ("other", "其他"),
                ],
                context=b"programmes.SupplyHandout.supply",
                max_length=12,
                verbose_name="药具",
            ),
        ),
        migrations.AddField(
            model_name="supplyhandout",
            name="sealed_note",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                context=b"programmes.SupplyHandout.note",
                max_length=200,
                verbose_name="备注",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_closed_reason",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                context=b"programmes.NfpcpCheck.closed_reason",
                max_length=100,
                verbose_name="结束原因",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_risk_level",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                choices=[("general", "一般人群"), ("high", "高风险人群")],
                context=b"programmes.NfpcpCheck.risk_level",
                max_length=10,
                verbose_name="风险评估",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_risk_factors",
            field=renkou.core.sealed.SealedJSONField(
                context=b"programmes.NfpcpCheck.risk_factors",
                default=list,
                pad_to=128,
                verbose_name="风险因素",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_counselling_class",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                choices=[
                    ("A", "A类：可预防或治疗的风险"),
                    ("B", "B类：需治疗后再怀孕"),
                    ("C", "C类：目前尚无有效治疗"),
                    ("D", "D类：孕期需密切监测"),
                    ("X", "X类：暂不宜怀孕"),
                ],
                context=b"programmes.NfpcpCheck.counselling_class",
                max_length=1,
                verbose_name="咨询指导分类",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_advice",
            field=renkou.core.sealed.SealedTextField(
                blank=True, context=b"programmes.NfpcpCheck.advice", verbose_name="咨询指导意见"
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_referred_on",
            field=renkou.core.sealed.SealedDateField(
                blank=True,
                context=b"programmes.NfpcpCheck.referred_on",
                null=True,
                verbose_name="转诊日期",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_referred_to",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                context=b"programmes.NfpcpCheck.referred_to",
                max_length=100,
                verbose_name="转诊机构",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_referral_reason",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                context=b"programmes.NfpcpCheck.referral_reason",
                max_length=200,
                verbose_name="转诊原因",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_pregnant",
            field=renkou.core.sealed.SealedBooleanField(
                context=b"programmes.NfpcpCheck.pregnant", null=True, verbose_name="已怀孕"
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_lmp",
            field=renkou.core.sealed.SealedDateField(
                blank=True, context=b"programmes.NfpcpCheck.lmp", null=True, verbose_name="末次月经"
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_outcome_type",
            field=renkou.core.sealed.SealedCharField(
                blank=True,
                choices=[
                    ("live_birth", "活产"),
                    ("stillbirth", "死胎死产"),
                    ("miscarriage", "自然流产"),
                    ("induced", "医学原因终止妊娠"),
                    ("ectopic", "异位妊娠"),
                    ("other", "其他"),
                ],
                context=b"programmes.NfpcpCheck.outcome_type",
                max_length=12,
                verbose_name="妊娠结局",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpcheck",
            name="sealed_outcome_date",
            field=renkou.core.sealed.SealedDateField(
                blank=True,
                context=b"programmes.NfpcpCheck.outcome_date",
                null=True,
                verbose_name="结局日期",
            ),
        ),
        migrations.AddField(
            model_name="nfpcpresult",
            name="sealed_value",
            field=renkou.core.sealed.SealedCharField(
                context=b"programmes.NfpcpResult.value", max_length=60, verbose_name="结果"
            ),
        ),
        migrations.AddField(
            model_name="nfpcpresult",
            name="sealed_abnormal",
            field=renkou.core.sealed.SealedBooleanField(
                context=b"programmes.NfpcpResult.abnormal", verbose_name="异常"
            ),
        ),
    ]
