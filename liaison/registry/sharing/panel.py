"""The person page's "Sharing" panel: the person, and the warrants, alerts and hits the
user sees on the page (prefetched by get_person_for_user), in `liaison/share_status.py`."""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from liaison.records import SharedRecord
from liaison.registry.models import Person
from liaison.share_status import sharing_context


def person_records(person: Person) -> list[tuple[str, str, SharedRecord]]:
    records: list[tuple[str, str, SharedRecord]] = [("person", _("Person"), person)]
    records += [
        ("warrant", _("Warrant %(ref)s") % {"ref": w.reference}, w) for w in person.warrants.all()
    ]
    records += [
        ("alert", _("Alert: %(type)s") % {"type": a.get_alert_type_display()}, a)
        for a in person.alerts.all()
    ]
    records += [("hit", _hit_label(h), h) for h in person.hits.all()]
    return records


def _hit_label(hit: Any) -> str:
    when = date_format(localtime(hit.encountered_on), "Y-m-d H:i")
    return _("Hit of %(when)s, %(place)s") % {"when": when, "place": hit.place}


def person_sharing(user: Any, person: Person) -> dict[str, Any]:
    return sharing_context(user, person_records(person))
