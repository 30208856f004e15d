"""Search keys rebuilt with the matcher's name analysis of liaison-names/2 (titles left out,
French particles joined to the next word): keys stored by /1 would keep titles as parts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import migrations

BATCH = 2000


def rebuild(apps: Any, schema_editor: Any) -> None:
    from liaison.registry.search import blocking_keys  # the analysis of the code being installed

    person_model = apps.get_model("registry", "Person")
    name_model = apps.get_model("registry", "PersonName")
    key_model = apps.get_model("registry", "NameKey")
    ids = list(person_model.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        names: dict[int, list[str]] = defaultdict(list)
        for person_id, full_name in name_model.objects.filter(person_id__in=chunk).values_list(
            "person_id", "full_name"
        ):
            names[person_id].append(full_name)
        key_model.objects.filter(person_id__in=chunk).delete()
        key_model.objects.bulk_create(
            key_model(person_id=person_id, key=key)
            for person_id in chunk
            for key in sorted(blocking_keys(names[person_id]))
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_desk_indexes")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
