"""FollowTheMoney entities of the persons a report names (the followthemoney library), as
JSON lines for Aleph or yente-style tools. The model ships inside the package: nothing is
fetched. The intelligence app holds no organisations yet, so only persons are written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from followthemoney import model
from followthemoney.proxy import EntityProxy

from liaison.registry.choices import DocumentType
from liaison.registry.models import Person

PASSPORT = DocumentType.PASSPORT


def person_entity(person: Person, report_uid: str) -> EntityProxy:
    """A FtM `Person`: every name held (all scripts), birth dates, nationalities and
    identity documents; `sourceUrl`-free, the report named in `notes`."""
    entity = model.make_entity("Person")
    entity.id = f"liaison-person-{person.uid}"
    for name in person.names.all():
        entity.add("name", name.full_name)
        entity.add("firstName", name.given_names or None)
        entity.add("lastName", name.family_name or None)
    entity.add("birthDate", [d.value for d in person.birth_dates.all()])
    entity.add("nationality", [n.code.lower() for n in person.nationalities.all()])
    entity.add("birthPlace", person.place_of_birth or None)
    for document in person.documents.all():
        prop = "passportNumber" if document.document_type == PASSPORT else "idNumber"
        entity.add(prop, document.number)
    entity.add("notes", f"Named in Liaison report {report_uid}")
    return entity


def lines(entities: Iterable[EntityProxy]) -> str:
    """JSON lines, one entity a line (followthemoney's own dict form)."""
    return "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in entities)
