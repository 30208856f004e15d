"""FollowTheMoney entities of the persons and organisations a report names, as JSON lines
for Aleph or yente-style tools: each `Person`, `Company` (a legal form or a company's word
in its name) or `Organization`, the report as a `Document` (its title), and one
`Documentation` entity linking the report to each of them.

The entities are written here, not through the followthemoney library: the library needs
PyICU, a C++ build against ICU on every node, and brings SQLAlchemy, rdflib and networkx
into the runtime for these few lines. Its own model checks what we write, in the tests
(tests/intel/test_formats.py cleans every value through it and finds it unchanged).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from liaison.intel.models import STIX_NAMESPACE
from liaison.intel.organisations import LEGAL_FORMS, schema_of
from liaison.registry.choices import DocumentType
from liaison.registry.models import Person

ROLE = "named in the report"


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
    add("notes", _named(report_uid))
    return {
        "id": f"liaison-person-{person.uid}",
        "schema": "Person",
        "properties": {prop: values for prop, values in properties.items() if values},
    }


def _named(report_uid: str) -> str:
    return f"Named in Liaison report {report_uid}"


def organisation_entity(name: str, report_uid: str) -> dict[str, Any]:
    """A FtM `Company` or `Organization` (organisations.schema_of) by its name as stored,
    with its legal form when the name carries one. Its id derives from the name, so the
    same organisation has the same id in every report's export."""
    properties = {"name": [name], "notes": [_named(report_uid)]}
    forms = [w for w in name.split() if w in LEGAL_FORMS]
    if forms:
        properties["legalForm"] = forms[:1]
    return {
        "id": f"liaison-org-{uuid.uuid5(STIX_NAMESPACE, 'organisation|' + name)}",
        "schema": schema_of(name),
        "properties": properties,
    }


def report_entities(
    report_uid: str, title: str, named: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The named entities, the report as a `Document`, and a `Documentation` per entity
    (document: the report; entity: the person or organisation; role: named in it). Nothing
    when the report names no one."""
    if not named:
        return []
    document = {
        "id": f"liaison-report-{report_uid}",
        "schema": "Document",
        "properties": {"title": [title]},
    }
    links = [
        {
            "id": f"liaison-report-{report_uid}-{entity['id']}",
            "schema": "Documentation",
            "properties": {"document": [document["id"]], "entity": [entity["id"]], "role": [ROLE]},
        }
        for entity in named
    ]
    return [*named, document, *links]


def lines(entities: Iterable[dict[str, Any]]) -> str:
    """JSON lines, one entity a line (followthemoney's own dict form)."""
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities)
