"""STIX 2.1 bundles of intelligence reports (the stix2 library), both ways.

Export (`bundle_for`): a `report` whose description is the summary; the facts and the
assessment as two `note` objects on it (labels `liaison-facts` and `liaison-assessment`),
never one text; the originator service as an `identity` (organization); the indicators as
observables (`email-addr`, and three types of our own declared by extension definitions:
`liaison-phone-number`, `liaison-document`, `liaison-plate`), places as `location` and
organisations as `identity` (organization), all in the report's object_refs; the confirmed
persons as `identity` (individual); the grading and the handling code in a property extension of the
report, with the Admiralty credibility also as `confidence` (STIX 2.1 appendix A); the
handling code's TLP 2.0 marking definition on every object. Ids are derived (uuid5), so a
second export gives the same ids.

Import (`read_bundle`): the reports of a bundle with their notes, markings and indicators
(a `location` only when the places gazetteer knows its name: a place is always one of its
names); everything else is listed as not imported, with the reason. A bundle that is not
STIX 2.1 or that stix2's parser refuses raises BundleError (nothing is imported).
Nothing here fetches anything: the TLP 2.0 objects are written out below.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import stix2
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stix2.exceptions import STIXError
from stix2.properties import IntegerProperty, StringProperty
from stix2.registry import class_for_type
from stix2.v21 import CustomExtension, CustomObservable

from liaison.intel import gazetteer
from liaison.intel.models import STIX_NAMESPACE
from liaison.policy import HandlingCode, strictest

MAX_BUNDLE_BYTES = 2_000_000
FACTS_LABEL = "liaison-facts"
ASSESSMENT_LABEL = "liaison-assessment"


def derived_id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(STIX_NAMESPACE, '|'.join(parts))}"


LIAISON = stix2.Identity(
    id=derived_id("identity", "liaison"),
    created="2026-01-01T00:00:00.000Z",
    modified="2026-01-01T00:00:00.000Z",
    name="Liaison",
    identity_class="system",
)
REPORT_EXTENSION = derived_id("extension-definition", "report")
SCO_TYPES = {
    "phone": "liaison-phone-number",
    "document": "liaison-document",
    "plate": "liaison-plate",
}
SCO_EXTENSIONS = {kind: derived_id("extension-definition", kind) for kind in SCO_TYPES}


@CustomExtension(
    type=REPORT_EXTENSION,
    properties=[
        ("uid", StringProperty()),
        ("owner_node", StringProperty()),
        ("version", IntegerProperty()),
        ("handling_code", StringProperty()),
        ("grading_scheme", StringProperty(required=True)),
        ("source_reliability", StringProperty(required=True)),
        ("information_credibility", StringProperty(required=True)),
        ("source_reference", StringProperty()),
        ("review_date", StringProperty()),
    ],
)
class ReportExtension:
    extension_type = "property-extension"


def _observable(kind: str) -> type:
    @CustomObservable(
        SCO_TYPES[kind],
        [("value", StringProperty(required=True))],
        ["value"],
        extension_name=SCO_EXTENSIONS[kind],
    )
    class Observable:
        pass

    return Observable


OBSERVABLES = {kind: _observable(kind) for kind in SCO_TYPES}

_DEFINITIONS = {
    "report": ("Liaison report", "Grading, handling code and origin of a Liaison report."),
    "phone": ("Liaison phone number", "A phone number in E.164 (value)."),
    "document": ("Liaison document number", "A passport or identity card number (value)."),
    "plate": ("Liaison vehicle plate", "A vehicle plate, separators as '-' (value)."),
}


def _definition(key: str, ext_id: str, kind: str) -> stix2.ExtensionDefinition:
    name, schema = _DEFINITIONS[key]
    return stix2.ExtensionDefinition(
        id=ext_id,
        created_by_ref=LIAISON.id,
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-01T00:00:00.000Z",
        name=name,
        schema=schema,
        version="1.0",
        extension_types=[kind],
    )


DEFINITIONS = [_definition("report", REPORT_EXTENSION, "property-extension")] + [
    _definition(kind, ext, "new-sco") for kind, ext in SCO_EXTENSIONS.items()
]

# TLP 2.0 (OASIS cti-stix-common-objects, extension-definition--60a3c5c5-...). stix2 3.0
# ships only the TLP 1.0 objects, so these are written out here.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1_IDS = {
    "white": stix2.TLP_WHITE.id,
    "green": stix2.TLP_GREEN.id,
    "amber": stix2.TLP_AMBER.id,
    "red": stix2.TLP_RED.id,
}
# Handling code -> TLP 2.0 (the labels of liaison.policy.TLP_LABELS), and back.
TLP_OF = {
    HandlingCode.H0: "green",
    HandlingCode.H1: "amber",
    HandlingCode.H2: "amber+strict",
    HandlingCode.H3: "red",
}
CODE_OF_TLP = {
    "clear": HandlingCode.H0,
    "white": HandlingCode.H0,
    "green": HandlingCode.H0,
    "amber": HandlingCode.H1,
    "amber+strict": HandlingCode.H2,
    "red": HandlingCode.H3,
}
CODE_OF_MARKING = {TLP2_IDS[t]: CODE_OF_TLP[t] for t in TLP2_IDS} | {
    TLP1_IDS[t]: CODE_OF_TLP[t] for t in TLP1_IDS
}
# Without a TLP marking a report is kept as H2, the API's default.
DEFAULT_CODE = HandlingCode.H2


def tlp_marking(level: str) -> stix2.MarkingDefinition:
    return stix2.MarkingDefinition(
        id=TLP2_IDS[level],
        created="2022-10-01T00:00:00.000Z",
        name=f"TLP:{level.upper()}",
        extensions={
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level},
        },
    )


# STIX 2.1 appendix A: the Admiralty credibility scale as `confidence` (6: not given).
ADMIRALTY_CONFIDENCE = {"1": 90, "2": 70, "3": 50, "4": 30, "5": 10}


class BundleError(Exception):
    """The bundle is refused whole; the message says why."""


# ---------------------------------------------------------------- export


@dataclass
class PersonOut:
    uid: str
    name: str
    handling_code: str


@dataclass
class ReportOut:
    """What a bundle is made of: the report's values, already permission-checked."""

    stix_id: str
    uid: str
    owner_node: str
    version: int
    handling_code: str
    title: str
    summary: str
    facts: str
    assessment: str
    source_reference: str
    grading_scheme: str
    source_reliability: str
    information_credibility: str
    originator_service: str
    created: datetime
    modified: datetime
    review_date: date | None
    indicators: list[tuple[str, str]] = field(default_factory=list)
    persons: list[PersonOut] = field(default_factory=list)


def _common(report: ReportOut, code: str, author: str) -> dict[str, Any]:
    return {
        "created_by_ref": author,
        "created": report.created,
        "modified": report.modified,
        "object_marking_refs": [TLP2_IDS[TLP_OF[HandlingCode(code)]]],
    }


def _note(report: ReportOut, part: str, text: str, author: str) -> stix2.Note:
    return stix2.Note(
        id=derived_id("note", report.stix_id, part),
        abstract="Facts" if part == "facts" else "Assessment (opinion, not fact)",
        content=text,
        labels=[FACTS_LABEL if part == "facts" else ASSESSMENT_LABEL],
        object_refs=[report.stix_id],
        **_common(report, report.handling_code, author),
    )


# STIX region-ov of the gazetteer's countries.
REGION_OF_COUNTRY = {"MA": "northern-africa", "FR": "western-europe", "ES": "southern-europe"}


def _place(report: ReportOut, name: str, author: str) -> stix2.Location | None:
    entry = gazetteer.places().entries.get(name)
    if entry is None:
        return None  # no longer in the gazetteer: no country to give a location
    return stix2.Location(
        id=derived_id("location", "place", name),
        name=name,
        country=entry.country,
        region=REGION_OF_COUNTRY.get(entry.country),
        city=name if entry.kind == "city" else None,
        **_common(report, report.handling_code, author),
    )


def _organisation(report: ReportOut, name: str, author: str) -> stix2.Identity:
    return stix2.Identity(
        id=derived_id("identity", "organisation", name),
        name=name,
        identity_class="organization",
        **_common(report, report.handling_code, author),
    )


def _indicator(kind: str, value: str, code: str) -> Any:
    marking = [TLP2_IDS[TLP_OF[HandlingCode(code)]]]
    if kind == "email":
        return stix2.EmailAddress(value=value, object_marking_refs=marking)
    return OBSERVABLES[kind](value=value, object_marking_refs=marking)


def _person(report: ReportOut, person: PersonOut, author: str) -> stix2.Identity:
    code = strictest(report.handling_code, person.handling_code)
    return stix2.Identity(
        id=derived_id("identity", "person", person.uid),
        name=person.name,
        identity_class="individual",
        **_common(report, code, author),
    )


def _extension(report: ReportOut) -> dict[str, Any]:
    values = {
        "extension_type": "property-extension",
        "uid": report.uid,
        "owner_node": report.owner_node,
        "version": report.version,
        "handling_code": report.handling_code,
        "grading_scheme": report.grading_scheme,
        "source_reliability": report.source_reliability,
        "information_credibility": report.information_credibility,
        "source_reference": report.source_reference,
        "review_date": report.review_date.isoformat() if report.review_date else "",
    }
    return {k: v for k, v in values.items() if v != ""}


def bundle_for(report: ReportOut) -> stix2.Bundle:
    """The report as a STIX 2.1 bundle (ids derived: a second export gives the same)."""
    origin = stix2.Identity(
        id=derived_id("identity", "service", report.originator_service),
        name=report.originator_service,
        identity_class="organization",
        created=report.created,
        modified=report.created,
    )
    notes = [_note(report, "facts", report.facts, origin.id)]
    if report.assessment:
        notes.append(_note(report, "assessment", report.assessment, origin.id))
    named = {"place", "organisation"}
    observables = [
        _indicator(k, v, report.handling_code) for k, v in report.indicators if k not in named
    ]
    places = [_place(report, v, origin.id) for k, v in report.indicators if k == "place"]
    observables += [p for p in places if p is not None]
    observables += [
        _organisation(report, v, origin.id) for k, v in report.indicators if k == "organisation"
    ]
    persons = [_person(report, p, origin.id) for p in report.persons]
    confidence = ADMIRALTY_CONFIDENCE.get(report.information_credibility)
    stix_report = stix2.Report(
        id=report.stix_id,
        name=report.title,
        description=report.summary or None,
        published=report.created,
        object_refs=[o.id for o in (*notes, *observables, *persons)],
        confidence=confidence if report.grading_scheme == "admiralty" else None,
        extensions={REPORT_EXTENSION: _extension(report)},
        **_common(report, report.handling_code, origin.id),
    )
    codes = {
        report.handling_code,
        *(strictest(report.handling_code, p.handling_code) for p in report.persons),
    }
    markings = [tlp_marking(TLP_OF[HandlingCode(c)]) for c in sorted(codes)]
    objects = [stix_report, *notes, origin, *observables, *persons]
    return stix2.Bundle(
        id=derived_id("bundle", report.stix_id, str(report.version)),
        objects=[*objects, *markings, LIAISON, *DEFINITIONS],
    )


# ---------------------------------------------------------------- import


# Why an object was not imported: the code (API, audit) and its words (pages, API).
REASONS: dict[str, str | Promise] = {
    "unknown-type": _("a type this node does not know"),
    "not-imported-type": _("a type this node does not import"),
    "person": _("a person: persons are not created from a bundle"),
    "marking": _("a marking that is not TLP: not kept"),
    "custom-properties": _("imported, but its custom properties were not kept"),
    "place-unknown": _("a place this node's gazetteer does not know: not kept"),
}


@dataclass
class Skipped:
    type: str
    id: str
    reason: str

    @property
    def words(self) -> str:
        return str(REASONS[self.reason])


@dataclass
class ReportIn:
    """A report read from a bundle, to be recorded as this node's own."""

    stix_id: str
    title: str
    summary: str
    facts: str
    assessment: str
    source_reference: str
    grading_scheme: str
    source_reliability: str
    information_credibility: str
    handling_code: HandlingCode
    originator: str
    modified: datetime
    indicators: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Reading:
    bundle_id: str
    reports: list[ReportIn]
    skipped: list[Skipped]


_ID = re.compile(r"^([a-z0-9][a-z0-9-]{0,248}[a-z0-9])--[0-9a-fA-F-]{36}$")
KIND_OF_TYPE = {"email-addr": "email"} | {t: k for k, t in SCO_TYPES.items()}


def _objects(raw: bytes) -> tuple[str, list[dict[str, Any]]]:
    if len(raw) > MAX_BUNDLE_BYTES:
        raise BundleError(f"The bundle is larger than {MAX_BUNDLE_BYTES} bytes.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BundleError(f"Not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("type") != "bundle":
        raise BundleError("Not a STIX bundle: its type must be 'bundle'.")
    if "spec_version" in data:
        raise BundleError("A STIX 2.0 bundle (spec_version on the bundle): only 2.1 is read.")
    objects = data.get("objects", [])
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise BundleError("The bundle's objects must be a list of objects.")
    if not isinstance(data.get("id"), str) or not _ID.match(data["id"]):
        raise BundleError("The bundle has no valid id.")
    return data["id"], objects


def _parse(obj: dict[str, Any]) -> Any:
    """The object through stix2's parser (refusing the bundle on any error); an object
    of a type stix2 does not know is returned as it is."""
    kind, ident = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or not isinstance(ident, str) or not _ID.match(ident):
        raise BundleError(f"An object without a valid type and id: {str(ident)[:100]}.")
    if not ident.startswith(f"{kind}--"):
        raise BundleError(f"{ident}: the id does not start with its type {kind}.")
    if obj.get("spec_version", "2.1") != "2.1":
        raise BundleError(f"{ident}: spec_version {obj.get('spec_version')}, not 2.1.")
    if class_for_type(kind, "2.1") is None:
        return obj
    try:
        return stix2.parse(obj, allow_custom=True, version="2.1")
    except (STIXError, ValueError, TypeError) as error:
        raise BundleError(f"{ident}: {error}") from None


def _notes(objects: dict[str, Any]) -> dict[tuple[str, str], Any]:
    found = {}
    for obj in objects.values():
        if getattr(obj, "type", "") != "note":
            continue
        labels = set(obj.get("labels", []))
        for label, part in ((FACTS_LABEL, "facts"), (ASSESSMENT_LABEL, "assessment")):
            if label in labels:
                for ref in obj.object_refs:
                    found[(ref, part)] = obj
    return found


def _handling(report: Any) -> HandlingCode:
    codes = [
        CODE_OF_MARKING[m] for m in report.get("object_marking_refs", []) if m in CODE_OF_MARKING
    ]
    return strictest(*codes) if codes else DEFAULT_CODE


def _grading(report: Any) -> dict[str, str]:
    ext = report.get("extensions", {}).get(REPORT_EXTENSION)
    if ext is not None:
        return {
            "grading_scheme": ext["grading_scheme"],
            "source_reliability": ext["source_reliability"],
            "information_credibility": ext["information_credibility"],
            "source_reference": ext.get("source_reference", ""),
        }
    confidence = report.get("confidence")
    credibility = "6"
    if confidence is not None:
        credibility = next((c for c, v in ADMIRALTY_CONFIDENCE.items() if confidence >= v), "5")
    return {
        "grading_scheme": "admiralty",
        "source_reliability": "F",
        "information_credibility": credibility,
        "source_reference": "",
    }


def _named(target: Any, author: str) -> tuple[str, str] | None:
    """A place (a location the gazetteer knows, by its name there) or an organisation
    (an identity of class organization, other than the report's author)."""
    kind = target["type"]
    if kind == "location" and "name" in target:
        entry = gazetteer.places().lookup(target["name"])
        return ("place", entry.name) if entry is not None else None
    if kind == "identity" and target.get("identity_class") == "organization":
        return ("organisation", target["name"]) if target["id"] != author else None
    return None


def _refs(report: Any, objects: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The report's indicators in the bundle: (object id, kind, value)."""
    found = []
    for ref in report.object_refs:
        target = objects.get(ref)
        if target is None or isinstance(target, dict):
            continue
        kind = KIND_OF_TYPE.get(ref.split("--")[0])
        if kind is not None:
            found.append((ref, kind, str(target["value"])))
        elif (named := _named(target, report.get("created_by_ref", ""))) is not None:
            found.append((ref, *named))
    return found


def _report_in(report: Any, objects: dict[str, Any], notes: dict[tuple[str, str], Any]) -> ReportIn:
    facts_note = notes.get((report.id, "facts"))
    assessment_note = notes.get((report.id, "assessment"))
    summary = report.get("description", "") or ""
    facts = facts_note.content if facts_note is not None else summary
    if facts_note is None:
        summary = ""
    if not facts.strip():
        raise BundleError(f"{report.id}: the report has neither facts nor a description.")
    author = objects.get(report.get("created_by_ref", ""))
    indicators = [(kind, value) for _ref, kind, value in _refs(report, objects)]
    return ReportIn(
        stix_id=report.id,
        title=report.name,
        summary=summary,
        facts=facts,
        assessment=assessment_note.content if assessment_note is not None else "",
        handling_code=_handling(report),
        originator=author.name if author is not None and "name" in author else "unknown",
        modified=report.modified,
        indicators=indicators,
        **_grading(report),
    )


def _used(
    reports: list[Any], notes: dict[tuple[str, str], Any], objects: dict[str, Any]
) -> set[str]:
    """The objects read with the reports: theirs, and every TLP marking (understood)."""
    used = {LIAISON.id, REPORT_EXTENSION, *SCO_EXTENSIONS.values(), *CODE_OF_MARKING}
    for report in reports:
        used |= {report.id, report.get("created_by_ref", "")}
        used |= {n.id for (ref, _part), n in notes.items() if ref == report.id}
        used |= {ref for ref, _kind, _value in _refs(report, objects)}
    return used


def _reason(obj: Any) -> str:
    kind = obj["type"]
    if kind == "identity" and obj.get("identity_class") == "individual":
        return "person"
    if kind == "marking-definition":
        return "marking"
    if kind == "location" and gazetteer.places().lookup(obj.get("name", "")) is None:
        return "place-unknown"
    if isinstance(obj, dict):
        return "unknown-type"
    return "not-imported-type"


def read_bundle(raw: bytes) -> Reading:
    """The reports of a STIX 2.1 bundle and the objects that are not imported."""
    bundle_id, raw_objects = _objects(raw)
    objects = {o["id"]: _parse(o) for o in raw_objects}
    notes = _notes(objects)
    reports = [o for o in objects.values() if getattr(o, "type", "") == "report"]
    readings = [_report_in(r, objects, notes) for r in reports]
    used = _used(reports, notes, objects)
    skipped = [
        Skipped(type=o["type"], id=o["id"], reason=_reason(o))
        for o in objects.values()
        if o["id"] not in used
    ]
    skipped += [
        Skipped(type=o["type"], id=o["id"], reason="custom-properties")
        for o in objects.values()
        if o["id"] in used and getattr(o, "has_custom", False)
    ]
    return Reading(bundle_id=bundle_id, reports=readings, skipped=skipped)


def serialize(bundle: stix2.Bundle) -> str:
    return str(bundle.serialize(pretty=True, ensure_ascii=False))
