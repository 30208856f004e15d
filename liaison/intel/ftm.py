"""FollowTheMoney entities of the persons a report names, as JSON lines for Aleph or
yente-style tools. The intelligence app holds no organisations yet, so only persons are
written.

The entities are written here, not through the followthemoney library: the library needs
PyICU, a C++ build against ICU on every node, and brings SQLAlchemy, rdflib and networkx
into the runtime for these few lines. Its own model checks what we write, in the tests
(tests/intel/test_formats.py cleans every value through it and finds it unchanged).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from liaison.registry.choices import DocumentType
from liaison.registry.models import Person


def person_entity(person: Person, report_uid: str) -> dict[str, Any]:
    """A FtM `Person`: every name held (all scripts), birth dates, nationalities, place of
    birth and identity documents, and the report named in `notes`."""
    properties: dict[str, list[str]] = {}

    def add(prop: str, value: str) -> None:
        value = " ".join(value.split())
        if value and value not in properties.setdefault(prop, []):
            properties[prop].append(value)

    for name in person.names.all():
        add("name", name.full_name)
        add("firstName", name.given_names)
        add("lastName", name.family_name)
    for birth_date in person.birth_dates.all():
        add("birthDate", birth_date.value)
    for nationality in person.nationalities.all():
        add("nationality", nationality.code.lower())
    add("birthPlace", person.place_of_birth)
    for document in person.documents.all():
        passport = document.document_type == DocumentType.PASSPORT
        add("passportNumber" if passport else "idNumber", document.number)
    add("notes", f"Named in Liaison report {report_uid}")
    return {
        "id": f"liaison-person-{person.uid}",
        "schema": "Person",
        "properties": {prop: values for prop, values in properties.items() if values},
    }


def lines(entities: Iterable[dict[str, Any]]) -> str:
    """JSON lines, one entity a line (followthemoney's own dict form)."""
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities)
