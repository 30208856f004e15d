import uuid

from django.db import migrations, models

NAMESPACE = uuid.UUID("6f0c5a52-3b1e-5d2a-9a43-0c6c2a1f7e11")


def derive(apps, schema_editor):
    Report = apps.get_model("intel", "Report")
    for report in Report.objects.only("pk", "uid").iterator():
        stix_id = f"report--{uuid.uuid5(NAMESPACE, str(report.uid))}"
        Report.objects.filter(pk=report.pk).update(stix_id=stix_id)


class Migration(migrations.Migration):
    dependencies = [("intel", "0003_mentions_and_indicators")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="stix_id",
            field=models.CharField(default="", editable=False, max_length=100, verbose_name="STIX id"),
            preserve_default=False,
        ),
        migrations.RunPython(derive, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="report",
            name="stix_id",
            field=models.CharField(db_index=True, editable=False, max_length=100, verbose_name="STIX id"),
        ),
    ]
