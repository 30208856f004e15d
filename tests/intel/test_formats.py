"""STIX 2.1 export and import of reports, and FollowTheMoney export of the persons they
name: the export rule (H2: consent), the round trip to a fresh database, the objects
reported as not imported, idempotence, and bundles refused whole."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any

import pytest
import stix2
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.exchange.models import Peer
from liaison.intel import stix
from liaison.intel.actions import (
    IntelError,
    confirm_mention,
    create_report,
    export_ftm,
    export_stix,
    import_stix,
    suggest_persons,
)
from liaison.intel.models import Report, ReportIndicator, ReportVersion, stix_report_id
from liaison.registry.actions import create_person
from liaison.registry.models import Person
from tests.intel.conftest import ASSESSMENT, FACTS, partner_body, receive, report_data
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
JSON = "application/json"

TEXT = (
    f"{FACTS} Youssef Cherif est joignable au +212 661 234 567 et à yc@example.ma ; "
    "passeport AB1234567, véhicule AB-123-CD, vu à Tanger avec le gérant de Atlas Transit "
    "SARL et un membre du réseau Zerktouni."
)


@pytest.fixture
def cherif(supervisor: User) -> Person:
    return create_person(
        actor=supervisor,
        data=person_data("Youssef Cherif", "يوسف الشريف", birth_dates=["1984-03"]),
    )


@pytest.fixture
def named_report(officer: User, analyst: User, cherif: Person) -> Report:
    """An H1 report of ours naming Youssef Cherif (link confirmed), with indicators."""
    report = create_report(actor=officer, data=report_data(facts=TEXT, handling_code="H1"))
    (mention,) = suggest_persons(actor=analyst, report=report)
    confirm_mention(actor=analyst, mention=mention)
    return report


def _objects(bundle: str) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in json.loads(bundle)["objects"]}


def _of_type(objects: dict[str, dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects.values() if o["type"] == kind]


def _fresh_node() -> None:
    """As a second node's empty database: no report, no person."""
    Report.objects.all().delete()
    Person.objects.all().delete()


# Export


def test_the_bundle_keeps_facts_and_assessment_apart_with_grading_and_tlp(
    named_report: Report, officer: User
) -> None:
    objects = _objects(export_stix(actor=officer, report=named_report))
    (report,) = _of_type(objects, "report")
    assert report["id"] == named_report.stix_id
    assert (report["name"], report["description"]) == (named_report.title, named_report.summary)
    notes = {tuple(n["labels"]): n for n in _of_type(objects, "note")}
    assert notes[(stix.FACTS_LABEL,)]["content"] == TEXT
    assert notes[(stix.ASSESSMENT_LABEL,)]["content"] == ASSESSMENT
    assert ASSESSMENT not in json.dumps(report) and FACTS not in json.dumps(report)
    grading = report["extensions"][stix.REPORT_EXTENSION]
    assert (grading["grading_scheme"], grading["source_reliability"]) == ("admiralty", "B")
    assert (grading["information_credibility"], report["confidence"]) == ("2", 70)
    amber = stix.TLP2_IDS["amber"]  # H1
    assert all(o["object_marking_refs"] == [amber] for o in _of_type(objects, "note"))
    assert report["object_marking_refs"] == [amber] and amber in objects
    assert objects[amber]["extensions"][stix.TLP2_EXTENSION]["tlp_2_0"] == "amber"
    origin = objects[report["created_by_ref"]]
    assert origin["type"] == "identity" and origin["identity_class"] == "organization"
    assert origin["name"] == named_report.originator_service


def test_the_bundle_holds_the_indicators_and_the_confirmed_person(
    named_report: Report, officer: User, cherif: Person
) -> None:
    objects = _objects(export_stix(actor=officer, report=named_report))
    values = {(o["type"], o.get("value")) for o in objects.values() if "value" in o}
    assert values == {
        ("liaison-phone-number", "+212661234567"),
        ("email-addr", "yc@example.ma"),
        ("liaison-document", "AB1234567"),
        ("liaison-plate", "AB-123-CD"),
    }
    (person,) = [o for o in _of_type(objects, "identity") if o["identity_class"] == "individual"]
    assert person["name"] == str(cherif)
    (report,) = _of_type(objects, "report")
    assert {person["id"], *(o["id"] for o in objects.values() if "value" in o)} <= set(
        report["object_refs"]
    )
    # Custom types are declared by extension definitions, so stix2 reads them strictly.
    stix2.parse(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                "objects": list(objects.values()),
            }
        ),
        allow_custom=False,
    )


def test_places_are_locations_and_organisations_identities_on_the_report(
    named_report: Report, officer: User
) -> None:
    objects = _objects(export_stix(actor=officer, report=named_report))
    (report,) = _of_type(objects, "report")
    places = {o["name"]: o for o in _of_type(objects, "location")}
    assert places.keys() == {"Tanger Med", "Tanger"}  # the title's port, the facts' city
    place = places["Tanger"]
    assert (place["country"], place["city"], place["region"]) == ("MA", "Tanger", "northern-africa")
    assert "city" not in places["Tanger Med"]
    organisations = [
        o for o in _of_type(objects, "identity") if o["id"] != report["created_by_ref"]
    ]
    organisations = [o for o in organisations if o["identity_class"] == "organization"]
    assert {o["name"] for o in organisations} == {"Atlas Transit SARL", "Réseau Zerktouni"}
    for obj in (*places.values(), *organisations):
        assert obj["id"] in report["object_refs"]
        assert obj["object_marking_refs"] == [stix.TLP2_IDS["amber"]]
        assert obj["created_by_ref"] == report["created_by_ref"]


def test_a_second_export_gives_the_same_ids(named_report: Report, officer: User) -> None:
    first = export_stix(actor=officer, report=named_report)
    second = export_stix(actor=officer, report=named_report)
    assert _objects(first).keys() == _objects(second).keys()
    assert json.loads(first)["id"] == json.loads(second)["id"]


def test_a_person_the_user_may_not_see_is_left_out(
    officer: User, analyst: User, supervisor: User
) -> None:
    hidden = create_person(
        actor=supervisor,
        data=person_data("Karim Bennani", handling_code="H3", named_recipients=["supervisor"]),
    )
    report = create_report(actor=officer, data=report_data(facts=f"{FACTS} Karim Bennani."))
    (mention,) = suggest_persons(actor=supervisor, report=report)
    confirm_mention(actor=supervisor, mention=mention)
    names = [
        o["name"] for o in _of_type(_objects(export_stix(actor=analyst, report=report)), "identity")
    ]
    assert "Karim Bennani" not in names
    supervisors = _objects(export_stix(actor=supervisor, report=report))
    assert "Karim Bennani" in [o["name"] for o in _of_type(supervisors, "identity")]
    assert hidden.pk


def test_the_export_is_audited_with_the_persons(
    named_report: Report, officer: User, cherif: Person
) -> None:
    export_stix(actor=officer, report=named_report)
    entry = AuditEntry.objects.get(action="disclose", object_id=str(named_report.uid))
    assert entry.detail["export"] == "stix" and entry.detail["persons"] == [str(cherif.uid)]


@pytest.mark.parametrize(
    ("owner", "code", "leaves"), [("fr", "H2", False), ("fr", "H1", True), ("ma", "H2", True)]
)
def test_a_partners_h2_person_named_in_our_report_is_withheld_from_the_files(
    officer: User, analyst: User, supervisor: User, owner: str, code: str, leaves: bool
) -> None:
    """Our report's export rule does not cover a person the partner gave us under H2."""
    from django.utils import timezone

    person = create_person(actor=supervisor, data=person_data("Youssef Cherif", "يوسف الشريف"))
    Person.objects.filter(pk=person.pk).update(
        owner_node=owner, handling_code=code, received_at=timezone.now() if owner == "fr" else None
    )
    report = create_report(actor=officer, data=report_data(facts=TEXT, handling_code="H0"))
    (mention,) = suggest_persons(actor=analyst, report=report)
    confirm_mention(actor=analyst, mention=mention)
    bundle = _objects(export_stix(actor=officer, report=report))
    names = [
        o["name"] for o in _of_type(bundle, "identity") if o.get("identity_class") == "individual"
    ]
    assert ("Youssef Cherif" in names) is leaves
    lines = export_ftm(actor=officer, report=report)
    assert ("Youssef Cherif" in lines) is leaves
    entries = AuditEntry.objects.filter(action="disclose", object_id=str(report.uid))
    for entry in entries:
        assert entry.detail["persons"] == ([str(person.uid)] if leaves else [])
        assert entry.detail.get("withheld", []) == ([] if leaves else [str(person.uid)])
    assert entries.count() == 2


def test_h2_without_consent_exports_nothing_and_is_audited(
    their_report: Report, liaison: User
) -> None:
    with pytest.raises(PermissionDenied, match="exported"):
        export_stix(actor=liaison, report=their_report)
    with pytest.raises(PermissionDenied, match="exported"):
        export_ftm(actor=liaison, report=their_report)
    assert AuditEntry.objects.filter(action="permission_denied", object_type="report").count() == 2
    assert not AuditEntry.objects.filter(action="disclose").exists()


def test_the_pages_and_api_refuse_h2_and_hide_what_the_user_may_not_see(
    their_report: Report,
    named_report: Report,
    liaison: User,
    login: Login,
    make_user: Callable[..., User],
) -> None:
    page = login(liaison).get(f"/intel/{their_report.uid}/export/stix/", follow=True)
    assert "may not be exported" in page.content.decode()
    _row, raw = create_api_token(user=liaison, name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get(f"/api/v1/reports/{their_report.uid}/stix").status_code == 403
    assert api.get(f"/api/v1/reports/{their_report.uid}/ftm").status_code == 403
    auditor = make_user("auditor", "auditor")
    _row, raw = create_api_token(user=auditor, name="t")
    outsider = Client(headers={"Authorization": f"Bearer {raw}"})
    for path in ("stix", "ftm"):
        assert outsider.get(f"/api/v1/reports/{named_report.uid}/{path}").status_code == 404
    assert not AuditEntry.objects.filter(action="disclose").exists()


def test_the_page_and_api_export_a_bundle(
    named_report: Report, officer: User, login: Login
) -> None:
    response = login(officer).get(f"/intel/{named_report.uid}/export/stix/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/stix+json")
    assert named_report.stix_id in _objects(response.content.decode())
    _row, raw = create_api_token(user=officer, name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    answer = api.get(f"/api/v1/reports/{named_report.uid}/stix")
    assert answer.status_code == 200 and named_report.stix_id in _objects(answer.content.decode())


# FollowTheMoney


@pytest.fixture
def ftm_model() -> Any:
    """followthemoney's model. Importing the library raises csv.field_size_limit for the
    whole process, which the CSV readers' own tests rely on: the limit is put back."""
    limit = csv.field_size_limit()
    from followthemoney import model

    csv.field_size_limit(limit)
    return model


def _ftm_checked(model: Any, written: dict[str, Any]) -> Any:
    """The entity through the library's own model: every value, cleaned, comes back
    unchanged (an unknown property raises)."""
    entity = model.make_entity(written["schema"])
    entity.id = written["id"]
    for prop, values in written["properties"].items():
        entity.add(prop, values)
    assert {p: sorted(v) for p, v in entity.properties.items()} == {
        p: sorted(v) for p, v in written["properties"].items()
    }
    return entity


def test_the_persons_and_organisations_are_read_back_as_followthemoney_entities(
    named_report: Report, officer: User, cherif: Person, login: Login, ftm_model: Any
) -> None:
    lines = export_ftm(actor=officer, report=named_report).splitlines()
    entities = [_ftm_checked(ftm_model, json.loads(line)) for line in lines]
    by_schema: dict[str, list[Any]] = {}
    for entity in entities:
        by_schema.setdefault(entity.schema.name, []).append(entity)
    (person,) = by_schema["Person"]
    assert set(person.get("name")) == {"Youssef Cherif", "يوسف الشريف"}
    assert person.get("birthDate") == ["1984-03"]
    assert person.id == f"liaison-person-{cherif.uid}"
    (company,) = by_schema["Company"]
    assert (company.get("name"), company.get("legalForm")) == (["Atlas Transit SARL"], ["SARL"])
    (group,) = by_schema["Organization"]
    assert group.get("name") == ["Réseau Zerktouni"]
    (document,) = by_schema["Document"]
    assert document.get("title") == [named_report.title]
    # One link from the report to each person and organisation it names.
    links = {(d.first("document"), d.first("entity")) for d in by_schema["Documentation"]}
    assert links == {(document.id, e.id) for e in (person, company, group)}
    assert {d.first("role") for d in by_schema["Documentation"]} == {"named in the report"}
    entry = AuditEntry.objects.filter(action="disclose").last()
    assert entry is not None and entry.detail["export"] == "ftm"
    assert set(entry.detail["organisations"]) == {"Atlas Transit SARL", "Réseau Zerktouni"}
    response = login(officer).get(f"/intel/{named_report.uid}/export/ftm/")
    assert response.status_code == 200 and response.content.decode().splitlines() == lines


def test_an_organisation_has_the_same_followthemoney_id_in_every_report(
    officer: User, ftm_model: Any
) -> None:
    ids = []
    for title in ("Premier", "Second"):
        facts = "Paiements de la société Amal Trans, selon le réseau Zerktouni."
        report = create_report(actor=officer, data=report_data(title=title, facts=facts))
        rows = [json.loads(line) for line in export_ftm(actor=officer, report=report).splitlines()]
        ids.append({r["id"] for r in rows if r["schema"] in ("Company", "Organization")})
        assert {r["schema"] for r in rows} == {
            "Company",
            "Organization",
            "Document",
            "Documentation",
        }
    assert ids[0] == ids[1] and len(ids[0]) == 2


# Import


def test_a_bundle_round_trips_to_a_fresh_node(named_report: Report, officer: User) -> None:
    exported = export_stix(actor=officer, report=named_report)
    _fresh_node()
    done = import_stix(actor=officer, raw=exported.encode())
    (report,) = done.created
    report = Report.objects.get(pk=report.pk)
    assert (report.facts, report.assessment) == (TEXT, ASSESSMENT)
    assert (report.summary, report.title) == (named_report.summary, named_report.title)
    assert (report.handling_code, report.grading, report.grading_scheme) == (
        "H1",
        "B2",
        "admiralty",
    )
    assert report.originator_service == named_report.originator_service
    assert report.stix_id == named_report.stix_id and report.uid != named_report.uid
    again = _objects(export_stix(actor=officer, report=report))
    before = _objects(exported)
    persons = {i for i, o in before.items() if o.get("identity_class") == "individual"}
    # Same objects (persons aside: not created from a bundle), same markings.
    assert again.keys() == before.keys() - persons
    for ident, obj in again.items():
        assert obj.get("object_marking_refs") == before[ident].get("object_marking_refs")
        assert obj.get("content") == before[ident].get("content")
    assert [s.id for s in done.skipped] == sorted(persons)
    held = set(report.indicators.values_list("kind", "normalised"))
    assert {("place", "Tanger"), ("organisation", "Atlas Transit SARL")} <= held
    assert ("organisation", "Réseau Zerktouni") in held


def test_places_and_organisations_only_in_the_bundle_are_kept_and_unknown_places_listed(
    named_report: Report, officer: User
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    (report,) = [o for o in bundle["objects"] if o["type"] == "report"]
    extra = [
        stix2.Location(name="Tangier Med", country="MA"),  # no alias of the gazetteer
        stix2.Location(name="Lisbonne", country="PT"),  # not in the gazetteer
        stix2.Identity(name="Amal Trans", identity_class="organization"),
    ]
    for obj in extra:
        bundle["objects"].append(json.loads(obj.serialize()))
        report["object_refs"].append(obj.id)
    _fresh_node()
    done = import_stix(actor=officer, raw=json.dumps(bundle).encode())
    (created,) = done.created
    held = set(created.indicators.values_list("kind", "normalised", "field"))
    assert ("organisation", "Amal Trans", "import") in held
    skipped = {s.id: s.reason for s in done.skipped}
    assert skipped[extra[1].id] == "place-unknown" and skipped[extra[0].id] == "place-unknown"
    assert not created.indicators.filter(normalised__in=["Lisbonne", "Tangier Med"]).exists()


def test_a_place_written_as_the_gazetteer_knows_it_is_imported_by_its_name(
    named_report: Report, officer: User
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    (report,) = [o for o in bundle["objects"] if o["type"] == "report"]
    place = stix2.Location(name="ملعب محمد الخامس", country="MA")
    bundle["objects"].append(json.loads(place.serialize()))
    report["object_refs"].append(place.id)
    _fresh_node()
    (created,) = import_stix(actor=officer, raw=json.dumps(bundle).encode()).created
    assert created.indicators.filter(
        kind="place", normalised="Stade Mohammed V", field=ReportIndicator.IMPORTED
    ).exists()


def test_an_unknown_object_is_listed_audited_and_the_rest_imported(
    named_report: Report, officer: User
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    odd = {
        "type": "x-acme-widget",
        "spec_version": "2.1",
        "id": "x-acme-widget--3e6b7cd2-bb0a-4b0c-9c3e-6a0c6b0c1c11",
    }
    tool = stix2.Tool(name="nmap").serialize()
    bundle["objects"] += [odd, json.loads(tool)]
    _fresh_node()
    done = import_stix(actor=officer, raw=json.dumps(bundle).encode())
    assert len(done.created) == 1
    skipped = {s.type: s.reason for s in done.skipped}
    assert skipped == {
        "x-acme-widget": "unknown-type",
        "tool": "not-imported-type",
        "identity": "person",
    }
    entry = AuditEntry.objects.get(object_type="stix-bundle")
    assert {s["type"] for s in entry.detail["skipped"]} == {"x-acme-widget", "tool", "identity"}
    assert entry.detail["created"] == [str(done.created[0].uid)]


def test_importing_the_same_bundle_twice_adds_nothing(named_report: Report, officer: User) -> None:
    exported = export_stix(actor=officer, report=named_report).encode()
    _fresh_node()
    first = import_stix(actor=officer, raw=exported)
    second = import_stix(actor=officer, raw=exported)
    assert len(first.created) == 1 and second.created == [] == second.updated
    assert (second.older, second.already) == ([named_report.stix_id], [])
    assert Report.objects.count() == 1 and Report.objects.get().version == 1


def _later(bundle: dict[str, Any], modified: str, **changes: Any) -> bytes:
    """The bundle with its report modified at `modified`, its facts note changed."""
    for obj in bundle["objects"]:
        if obj["type"] == "report":
            obj["modified"] = modified
            obj.update(changes)
        if stix.FACTS_LABEL in obj.get("labels", []):
            obj["content"] = obj["content"].replace("Tanger", "Nador")
    return json.dumps(bundle).encode()


def test_a_later_version_of_an_imported_report_updates_the_copy_with_its_history(
    named_report: Report, officer: User
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    _fresh_node()
    (copy,) = import_stix(actor=officer, raw=json.dumps(bundle).encode()).created
    before = Report.objects.get(pk=copy.pk).stix_modified
    done = import_stix(
        actor=officer, raw=_later(bundle, "2030-01-01T00:00:00.000Z", name="Filière de Nador")
    )
    assert ([r.pk for r in done.updated], done.created, done.older) == ([copy.pk], [], [])
    copy = Report.objects.get(pk=copy.pk)
    assert (copy.version, copy.title) == (2, "Filière de Nador")
    assert "Nador" in copy.facts and copy.stix_modified is not None and before is not None
    assert copy.stix_modified > before and Report.objects.count() == 1
    changed = ReportVersion.objects.get(report=copy, version=2).changes
    assert set(changed) == {"title", "facts"}
    assert [v.version for v in copy.versions.all()] == [2, 1]
    # The new text read again; the bundle's own location for Tanger is kept as imported.
    places = dict(copy.indicators.filter(kind="place").values_list("normalised", "field"))
    assert (places["Nador"], places["Tanger"]) == ("title", ReportIndicator.IMPORTED)
    entry = AuditEntry.objects.filter(action="alter", object_id=str(copy.uid)).get()
    assert entry.detail["import"] == "stix" and entry.detail["version"] == 2
    bundle_entry = AuditEntry.objects.filter(object_type="stix-bundle").last()
    assert bundle_entry is not None and bundle_entry.detail["updated"] == [str(copy.uid)]


@pytest.mark.parametrize("modified", ["2020-01-01T00:00:00.000Z", None])
def test_an_older_or_equal_version_is_reported_and_changes_nothing(
    named_report: Report, officer: User, modified: str | None
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    same = next(o["modified"] for o in bundle["objects"] if o["type"] == "report")
    _fresh_node()
    (copy,) = import_stix(actor=officer, raw=json.dumps(bundle).encode()).created
    done = import_stix(actor=officer, raw=_later(bundle, modified or same))
    assert (done.older, done.updated, done.created) == ([named_report.stix_id], [], [])
    copy = Report.objects.get(pk=copy.pk)
    assert copy.version == 1 and "Nador" not in copy.facts
    assert not AuditEntry.objects.filter(action="alter", object_id=str(copy.uid)).exists()


def test_a_later_version_of_our_own_report_is_not_applied_here(
    named_report: Report, officer: User
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    done = import_stix(actor=officer, raw=_later(bundle, "2030-01-01T00:00:00.000Z"))
    assert (done.already, done.updated) == ([named_report.stix_id], [])
    assert Report.objects.get(pk=named_report.pk).version == 1


def test_our_own_bundle_is_not_imported_again_here(named_report: Report, officer: User) -> None:
    done = import_stix(actor=officer, raw=export_stix(actor=officer, report=named_report).encode())
    assert done.created == [] and done.already == [named_report.stix_id]
    assert Report.objects.count() == 1


def test_a_copy_the_importer_may_not_see_neither_stops_the_import_nor_shows(
    named_report: Report, officer: User, make_user: Callable[..., User]
) -> None:
    exported = export_stix(actor=officer, report=named_report).encode()
    # The author's copy becomes H3, not for a colleague: "already here" would tell it exists.
    Report.objects.filter(pk=named_report.pk).update(handling_code="H3")
    colleague = make_user("colleague", "officer")
    done = import_stix(actor=colleague, raw=exported)
    assert len(done.created) == 1 and done.already == []
    assert Report.objects.filter(stix_id=named_report.stix_id).count() == 2


def test_a_bundle_whose_liaison_grading_is_incomplete_is_refused_whole(
    named_report: Report, officer: User
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    for item in bundle["objects"]:
        for extension in item.get("extensions", {}).values():
            extension.pop("grading_scheme", None)
    _fresh_node()
    with pytest.raises(IntelError, match="grading_scheme"):
        import_stix(actor=officer, raw=json.dumps(bundle).encode())
    assert not Report.objects.exists()


def test_imported_indicators_stay_when_the_text_is_read_again(
    named_report: Report, officer: User
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    plate = stix.OBSERVABLES["plate"](value="ZZ-999-ZZ")
    bundle["objects"].append(json.loads(plate.serialize()))
    (report_obj,) = [o for o in bundle["objects"] if o["type"] == "report"]
    report_obj["object_refs"].append(plate.id)
    _fresh_node()
    (report,) = import_stix(actor=officer, raw=json.dumps(bundle).encode()).created
    rows = ReportIndicator.objects.filter(report=report)
    assert rows.get(normalised="ZZ-999-ZZ").field == ReportIndicator.IMPORTED
    assert rows.get(normalised="AB-123-CD").field == "facts"
    from liaison.intel.entities import refresh_indicators

    refresh_indicators(report)
    assert rows.filter(normalised="ZZ-999-ZZ").exists()


def _report_obj(**extra: Any) -> dict[str, Any]:
    return {
        "type": "report",
        "spec_version": "2.1",
        "id": "report--0b8f7c1e-4d0c-4e55-9d2a-7f1c2b3a4d5e",
        "created": "2026-03-01T00:00:00.000Z",
        "modified": "2026-03-01T00:00:00.000Z",
        "name": "Foreign report",
        "description": "Seen at the port.",
        "published": "2026-03-01T00:00:00.000Z",
        "object_refs": ["note--0b8f7c1e-4d0c-4e55-9d2a-7f1c2b3a4d5f"],
    } | extra


def _bundle(*objects: dict[str, Any], **extra: Any) -> bytes:
    body = {
        "type": "bundle",
        "id": "bundle--0b8f7c1e-4d0c-4e55-9d2a-7f1c2b3a4d60",
        "objects": list(objects),
    }
    return json.dumps(body | extra).encode()


def test_a_foreign_report_keeps_its_tlp_and_its_description_as_facts(
    officer: User, supervisor: User
) -> None:
    raw = _bundle(_report_obj(object_marking_refs=[stix2.TLP_RED.id], confidence=75))
    with pytest.raises(PermissionDenied, match="supervisor"):
        import_stix(actor=officer, raw=raw)  # TLP:RED is H3, which only a supervisor marks
    assert not Report.objects.exists()
    (report,) = import_stix(actor=supervisor, raw=raw).created
    report = Report.objects.get(pk=report.pk)
    assert (report.facts, report.summary, report.assessment) == ("Seen at the port.", "", "")
    assert (report.handling_code, report.grading) == ("H3", "F2")
    assert report.originator_service == "unknown"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "Not JSON"),
        (b'{"type": "report"}', "Not a STIX bundle"),
        (_bundle(spec_version="2.0"), "STIX 2.0"),
        (_bundle(_report_obj(spec_version="2.0")), "not 2.1"),
        (_bundle(_report_obj(published="yesterday")), "published"),
        (_bundle(_report_obj(object_refs=[])), "object_refs"),
        (_bundle(_report_obj(description="")), "neither facts"),
        (
            _bundle({"type": "report", "id": "indicator--0b8f7c1e-4d0c-4e55-9d2a-7f1c2b3a4d5e"}),
            "does not start",
        ),
        (b" " * (stix.MAX_BUNDLE_BYTES + 1), "larger"),
    ],
)
def test_a_malformed_bundle_is_refused_whole_and_nothing_is_written(
    officer: User, raw: bytes, reason: str
) -> None:
    good = _report_obj(id="report--0b8f7c1e-4d0c-4e55-9d2a-7f1c2b3a4d99")
    if raw.startswith(b"{") and b"objects" in raw:
        body = json.loads(raw)
        body["objects"].insert(0, good)  # a valid report first: it must not be kept either
        raw = json.dumps(body).encode()
    before = AuditEntry.objects.count()
    with pytest.raises(IntelError, match=reason):
        import_stix(actor=officer, raw=raw)
    assert not Report.objects.exists() and not ReportVersion.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_user_who_may_not_write_reports_imports_nothing(
    make_user: Callable[..., User], peers: dict[str, Peer]
) -> None:
    auditor = make_user("auditor", "auditor")
    with pytest.raises(PermissionDenied):
        import_stix(actor=auditor, raw=_bundle(_report_obj()))
    assert not Report.objects.exists()


def test_the_import_page_and_api_list_what_was_not_imported(
    named_report: Report, officer: User, login: Login, make_user: Callable[..., User]
) -> None:
    bundle = json.loads(export_stix(actor=officer, report=named_report))
    bundle["objects"].append(json.loads(stix2.Tool(name="nmap").serialize()))
    raw = json.dumps(bundle).encode()
    _fresh_node()
    client = login(officer)
    upload = SimpleUploadedFile("b.json", raw, content_type=JSON)
    page = client.post("/intel/import/stix/", {"bundle": upload}).content.decode()
    assert named_report.title in page.split('id="imported"')[1]
    assert "a type this node does not import" in page.split('id="skipped"')[1]
    _row, token = create_api_token(user=officer, name="t")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    answer = api.post("/api/v1/stix-bundles", raw, content_type=JSON)
    assert answer.status_code == 201, answer.content
    assert answer.json()["older"] == [named_report.stix_id]  # the page imported it
    assert {s["type"] for s in answer.json()["skipped"]} == {"tool", "identity"}
    assert api.post("/api/v1/stix-bundles", b"{oops", content_type=JSON).status_code == 400
    auditor = make_user("auditor", "auditor")
    assert login(auditor).get("/intel/import/stix/").status_code == 403
    assert Report.objects.count() == 1


def test_no_library_reaches_the_network(
    named_report: Report, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exports and the import work offline: a socket opened here fails the test."""
    import socket

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    exported = export_stix(actor=officer, report=named_report)
    export_ftm(actor=officer, report=named_report)
    _fresh_node()
    assert len(import_stix(actor=officer, raw=exported.encode()).created) == 1


def test_a_report_imported_from_a_bundle_may_still_arrive_through_the_exchange(
    officer: User, peers: dict[str, Peer]
) -> None:
    body = partner_body()
    import_stix(actor=officer, raw=_bundle(_report_obj(id=stix_report_id(body["uid"]))))
    receive("fr", "report", body)
    copies = Report.objects.filter(stix_id=stix_report_id(body["uid"]))
    assert sorted(r.owner_node for r in copies) == ["fr", "ma"]


def test_a_person_marked_stricter_than_the_report_brings_its_tlp_which_is_not_listed(
    officer: User, supervisor: User
) -> None:
    create_person(
        actor=supervisor,
        data=person_data("Karim Bennani", handling_code="H3", named_recipients=["supervisor"]),
    )
    report = create_report(actor=officer, data=report_data(facts=f"{FACTS} Karim Bennani."))
    (mention,) = suggest_persons(actor=supervisor, report=report)
    confirm_mention(actor=supervisor, mention=mention)
    objects = _objects(export_stix(actor=supervisor, report=report))
    (person,) = [o for o in _of_type(objects, "identity") if o["identity_class"] == "individual"]
    assert person["object_marking_refs"] == [stix.TLP2_IDS["red"]]
    assert stix.TLP2_IDS["red"] in objects
    _fresh_node()
    done = import_stix(
        actor=supervisor,
        raw=json.dumps(
            {
                "type": "bundle",
                "id": "bundle--0b8f7c1e-4d0c-4e55-9d2a-7f1c2b3a4d61",
                "objects": list(objects.values()),
            }
        ).encode(),
    )
    assert [(s.type, s.reason) for s in done.skipped] == [("identity", "person")]
    assert Report.objects.get().handling_code == "H2"
