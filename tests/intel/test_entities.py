"""Persons named in a report's text (suggested, confirmed, rejected) and its typed
indicators: across scripts, under the policy, audited, on the pages and in the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.intel.actions import (
    confirm_mention,
    create_report,
    reject_mention,
    suggest_persons,
    update_report,
)
from liaison.intel.models import MentionState, Report, ReportIndicator, ReportMention
from liaison.registry.models import Person
from tests.intel.conftest import partner_body, receive, report_data
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
JSON = "application/json"

# Arabic and French in one text; each person recorded in the other script.
MIXED = (
    "Le 3 mars, يوسف الشريف a rencontré Abdellatif Ben Ahmed au port de Tanger Med. "
    "Youssef Tazi n'était pas présent. Joignable au 0661234567, véhicule AB-123-CD."
)


@pytest.fixture
def cast(supervisor: User) -> dict[str, Person]:
    from liaison.registry.actions import create_person

    def make(*names: str, **extra: Any) -> Person:
        return create_person(actor=supervisor, data=person_data(*names, **extra))

    return {
        "cherif": make("Youssef Cherif"),
        "abdellatif": make("عبد اللطيف بن أحمد"),
        "alaoui": make("Youssef Alaoui"),
        # Restricted to the supervisor: nobody else may see or be offered this person.
        "hidden": make("Karim Bennani", handling_code="H3", named_recipients=["supervisor"]),
    }


def _report(officer: User, facts: str = MIXED, **extra: Any) -> Report:
    return create_report(actor=officer, data=report_data(facts=facts, **extra))


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _section(page: str, name: str) -> str:
    return page.split(f'id="{name}"')[1].split("</section>")[0]


def _open(client: Client, report: Report) -> str:
    client.post(f"/intel/{report.uid}/purpose/", {"purpose": "Enquête conjointe 2026"})
    response = client.get(f"/intel/{report.uid}/")
    assert response.status_code == 200
    return response.content.decode()


# Suggestions


def test_persons_named_in_arabic_and_french_are_suggested_across_scripts(
    officer: User, analyst: User, cast: dict[str, Person]
) -> None:
    report = _report(officer)
    added = suggest_persons(actor=analyst, report=report)
    found = {m.person_id: m for m in ReportMention.objects.filter(report=report)}
    assert set(found) == {cast["cherif"].pk, cast["abdellatif"].pk} == {m.person_id for m in added}
    cherif = found[cast["cherif"].pk]
    assert (cherif.span, cherif.field, cherif.state) == ("يوسف الشريف", "facts", "suggested")
    assert cherif.score >= 0.86 and cherif.evidence["kind"] == "full"
    # Youssef Alaoui shares a given name only: not suggested.
    assert cast["alaoui"].pk not in found
    entry = AuditEntry.objects.filter(action="consult", object_id=str(report.uid)).last()
    assert entry is not None and entry.detail == {"suggested": 2}


def test_a_person_the_user_may_not_see_is_never_suggested_to_them(
    officer: User, analyst: User, supervisor: User, cast: dict[str, Person], login: Login
) -> None:
    report = _report(officer, facts="Karim Bennani et يوسف الشريف au port.")
    suggest_persons(actor=analyst, report=report)
    assert set(report.mentions.values_list("person_id", flat=True)) == {cast["cherif"].pk}
    # The supervisor, named on the H3 person, is offered it ...
    suggest_persons(actor=supervisor, report=report)
    assert cast["hidden"].pk in set(report.mentions.values_list("person_id", flat=True))
    # ... and the analyst still does not see it on the page, nor through the API.
    client = login(analyst)
    page = _open(client, report)
    assert "Bennani" not in _section(page, "mentions")
    assert "Youssef Cherif" in _section(page, "mentions")
    listed = _api(analyst).get(f"/api/v1/reports/{report.uid}/persons").json()
    assert [m["person"] for m in listed] == [str(cast["cherif"].uid)]
    hidden = report.mentions.get(person=cast["hidden"])
    response = client.post(f"/intel/{report.uid}/persons/{hidden.pk}/confirm/")
    assert response.status_code == 404
    assert ReportMention.objects.get(pk=hidden.pk).state == MentionState.SUGGESTED


def test_a_received_report_gets_its_suggestions_and_indicators_on_receipt(
    analyst: User,
    cast: dict[str, Person],
    peers: Any,
    login: Login,
    django_capture_on_commit_callbacks: Any,
) -> None:
    body = partner_body(
        facts="Vu : Youssef Cherif et Karim Bennani, tél. +33 6 12 34 56 78, "
        "pour la شركة «الأطلس للنقل» près du ملعب محمد الخامس."
    )
    with django_capture_on_commit_callbacks() as after_commit:
        receive("fr", "report", body)
    report = Report.objects.get(uid=body["uid"])
    assert not report.mentions.exists()  # not in the envelope's transaction: after it
    for callback in after_commit:
        callback()  # the task, run at once by the test settings' immediate backend
    assert set(report.mentions.values_list("person_id", flat=True)) == {
        cast["cherif"].pk,
        cast["hidden"].pk,
    }
    # Read from the text the envelope carries: the title's Marseille, the assessment's
    # Tanger, the facts' phone, company and stadium.
    assert list(report.indicators.values_list("kind", "normalised", "field")) == [
        ("organisation", "شركة الأطلس للنقل", "facts"),
        ("phone", "+33612345678", "facts"),
        ("place", "Marseille", "title"),
        ("place", "Stade Mohammed V", "facts"),
        ("place", "Tanger", "assessment"),
    ]
    page = _open(login(analyst), report)
    mentions = _section(page, "mentions")
    assert "Youssef Cherif" in mentions and "Bennani" not in mentions
    shown = _section(page, "indicators")
    assert "+33612345678" in shown and "place: <bdi" in shown and "Stade Mohammed V" in shown
    assert "organisation: <bdi" in shown and "(ملعب محمد الخامس)" in shown
    # A new version from the partner is read again: what its text no longer names goes.
    receive("fr", "report", body | {"version": 2, "facts": "Rien à Paris.", "title": "Autre"})
    assert list(report.indicators.values_list("kind", "normalised")) == [
        ("place", "Paris"),
        ("place", "Tanger"),
    ]


# Confirm and reject


def test_confirm_and_reject_are_read_back_and_a_rejection_is_not_offered_again(
    officer: User, analyst: User, cast: dict[str, Person]
) -> None:
    report = _report(officer)
    suggest_persons(actor=analyst, report=report)
    cherif = report.mentions.get(person=cast["cherif"])
    other = report.mentions.get(person=cast["abdellatif"])
    confirm_mention(actor=analyst, mention=cherif)
    reject_mention(actor=analyst, mention=other)
    cherif.refresh_from_db()
    other.refresh_from_db()
    assert (cherif.state, cherif.decided_by) == (MentionState.CONFIRMED, analyst)
    assert (other.state, other.decided_by) == (MentionState.REJECTED, analyst)
    assert cherif.decided_at is not None
    assert suggest_persons(actor=analyst, report=report) == []
    assert report.mentions.count() == 2
    actions = AuditEntry.objects.filter(object_id=str(report.uid), action__in=["combine", "alter"])
    assert [(e.action, e.changes, e.detail) for e in actions.order_by("seq")] == [
        ("combine", {"mention": ["suggested", "confirmed"]}, {"person": str(cast["cherif"].uid)}),
        ("alter", {"mention": ["suggested", "rejected"]}, {"person": str(cast["abdellatif"].uid)}),
    ]


def test_the_page_suggests_confirms_and_rejects(
    officer: User, analyst: User, cast: dict[str, Person], login: Login
) -> None:
    report = _report(officer)
    client = login(analyst)
    assert client.post(f"/intel/{report.uid}/persons/suggest/").status_code == 302
    page = _open(client, report)
    assert "across scripts" in page and "Suggest persons" in page
    cherif = report.mentions.get(person=cast["cherif"])
    other = report.mentions.get(person=cast["abdellatif"])
    assert client.post(f"/intel/{report.uid}/persons/{cherif.pk}/confirm/").status_code == 302
    assert client.post(f"/intel/{report.uid}/persons/{other.pk}/reject/").status_code == 302
    states = dict(report.mentions.values_list("person_id", "state"))
    assert states == {cast["cherif"].pk: "confirmed", cast["abdellatif"].pk: "rejected"}
    page = _open(client, report)
    assert "عبد اللطيف" not in _section(page, "mentions")


def test_denials_and_bad_input_change_nothing(
    officer: User,
    analyst: User,
    make_user: Callable[..., User],
    cast: dict[str, Person],
    login: Login,
) -> None:
    report = _report(officer)
    suggest_persons(actor=analyst, report=report)
    mention = report.mentions.get(person=cast["cherif"])
    before = list(ReportMention.objects.values_list("pk", "state", "decided_by"))
    auditor = login(make_user("audit", "auditor"))
    assert auditor.post(f"/intel/{report.uid}/persons/suggest/").status_code == 404
    assert auditor.post(f"/intel/{report.uid}/persons/{mention.pk}/confirm/").status_code == 404
    client = login(analyst)
    assert client.get(f"/intel/{report.uid}/persons/{mention.pk}/confirm/").status_code == 405
    assert client.post(f"/intel/{report.uid}/persons/999999/confirm/").status_code == 404
    assert client.post(f"/intel/{report.uid}/persons/x/confirm/").status_code == 404
    api = _api(analyst)
    url = f"/api/v1/reports/{report.uid}/persons/{mention.pk}/decision"
    assert api.post(url, {"confirm": "yes"}, content_type=JSON).status_code == 400
    assert api.post(url, {"confirm": True, "x": 1}, content_type=JSON).status_code == 400
    assert list(ReportMention.objects.values_list("pk", "state", "decided_by")) == before
    # A decided suggestion is not decided again.
    confirm_mention(actor=analyst, mention=mention)
    response = client.post(f"/intel/{report.uid}/persons/{mention.pk}/reject/", follow=True)
    assert "decided already" in response.content.decode()
    assert ReportMention.objects.get(pk=mention.pk).state == MentionState.CONFIRMED


def test_the_api_suggests_lists_and_decides(
    officer: User, analyst: User, cast: dict[str, Person]
) -> None:
    report = _report(officer)
    api = _api(analyst)
    response = api.post(f"/api/v1/reports/{report.uid}/persons/suggest")
    assert response.status_code == 201, response.content
    by_person = {m["person"]: m for m in response.json()}
    cherif = by_person[str(cast["cherif"].uid)]
    assert cherif["span"] == "يوسف الشريف" and "across scripts" in cherif["explanation"]
    url = f"/api/v1/reports/{report.uid}/persons/{cherif['id']}/decision"
    decided = api.post(url, {"confirm": True}, content_type=JSON)
    assert decided.status_code == 200 and decided.json()["state"] == "confirmed"
    assert report.mentions.get(pk=cherif["id"]).state == MentionState.CONFIRMED


# The person's page


def test_the_person_page_shows_the_link_only_to_those_who_may_see_the_report(
    officer: User, supervisor: User, cast: dict[str, Person], login: Login
) -> None:
    open_report = _report(officer, title="Rapport ouvert", handling_code="H2")
    restricted = _report(supervisor, title="Rapport restreint", handling_code="H3")
    for report in (open_report, restricted):
        suggest_persons(actor=supervisor, report=report)
        confirm_mention(actor=supervisor, mention=report.mentions.get(person=cast["cherif"]))

    def person_page(user: User) -> str:
        client = login(user)
        session = client.session
        session["registry_purpose"] = {"purpose": "Contrôle", "reference": ""}
        session.save()
        response = client.get(f"/registry/persons/{cast['cherif'].uid}/")
        assert response.status_code == 200
        return response.content.decode()

    seen_by_officer = person_page(officer)
    assert "Mentioned in report “Rapport ouvert”" in seen_by_officer
    assert "Rapport restreint" not in seen_by_officer
    seen_by_supervisor = person_page(supervisor)
    assert "Rapport ouvert" in seen_by_supervisor and "Rapport restreint" in seen_by_supervisor


def test_a_suggestion_not_confirmed_is_not_on_the_person_page(
    officer: User, analyst: User, cast: dict[str, Person], login: Login
) -> None:
    report = _report(officer, title="Rapport suggéré")
    suggest_persons(actor=analyst, report=report)
    client = login(officer)
    session = client.session
    session["registry_purpose"] = {"purpose": "Contrôle", "reference": ""}
    session.save()
    page = client.get(f"/registry/persons/{cast['cherif'].uid}/").content.decode()
    assert "Rapport suggéré" not in page


# Indicators


def test_indicators_are_stored_shown_and_in_the_api(officer: User, login: Login) -> None:
    report = _report(
        officer,
        facts="Tél. 0661234567, mail Y.Cherif@Example.ma, passeport AB1234567, plaque AB-123-CD.",
    )
    rows = set(ReportIndicator.objects.filter(report=report).values_list("kind", "normalised"))
    assert rows == {
        ("phone", "+212661234567"),
        ("email", "y.cherif@example.ma"),
        ("document", "AB1234567"),
        ("plate", "AB-123-CD"),
        ("place", "Tanger Med"),  # the title's
    }
    page = _open(login(officer), report)
    assert "+212661234567" in page and "vehicle plate" in page
    response = _api(officer).get(f"/api/v1/reports/{report.uid}", {"purpose": "Enquête conjointe"})
    body = response.json()
    assert response.status_code == 200, body
    assert {(i["kind"], i["normalised"]) for i in body["indicators"]} == rows
    update_report(actor=officer, report=report, data=report_data(facts="Plus rien.", title="Rien"))
    assert not ReportIndicator.objects.filter(report=report).exists()


# Query counts: the report page with one or three suggestions and indicators.

# The mentions with their persons, the persons' names, the indicators (no consents here).
PAGE_QUERIES = 20  # as test_pages.DETAIL_QUERIES: the page lists its files too


def test_the_report_page_costs_the_same_with_more_persons_named(
    officer: User,
    analyst: User,
    cast: dict[str, Person],
    login: Login,
    django_assert_num_queries: Any,
) -> None:
    from liaison.registry.actions import create_person
    from tests.conftest import AUDIT_ENTRY_QUERIES

    report = _report(officer, facts="Youssef Cherif au port, tél. 0661234567.")
    suggest_persons(actor=analyst, report=report)
    client = login(analyst)
    _open(client, report)
    with django_assert_num_queries(PAGE_QUERIES + AUDIT_ENTRY_QUERIES) as few:
        assert client.get(f"/intel/{report.uid}/").status_code == 200
    for name in ("Nadia Tazi", "Omar Idrissi"):
        create_person(actor=officer, data=person_data(name))
    text = "Youssef Cherif, Nadia Tazi et Omar Idrissi ; 0661234567, 0661234568, AB-123-CD."
    update_report(actor=officer, report=report, data=report_data(facts=text))
    suggest_persons(actor=analyst, report=report)
    assert report.mentions.count() == 3 and report.indicators.count() == 4  # + the title's place
    with django_assert_num_queries(PAGE_QUERIES + AUDIT_ENTRY_QUERIES) as many:
        assert client.get(f"/intel/{report.uid}/").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_demo_reports_name_demo_persons_of_both_nodes(officer: User, analyst: User) -> None:
    from liaison.intel.demo_data import seed_reports
    from liaison.registry.demo_data import seed_registry

    persons = 12
    seed_registry(actor=officer, count=persons, seed=sum(ord(c) for c in "ma"))
    seed_reports(actor=officer, node_id="ma", persons=persons)
    report = Report.objects.get(grading_scheme="admiralty")
    assert "{" not in report.facts
    added = suggest_persons(actor=analyst, report=report)
    assert len(added) == 1 and added[0].span in report.facts  # this node's person
    kinds = set(report.indicators.values_list("kind", flat=True))
    assert kinds == {"phone", "plate", "place"}


def test_homonyms_are_each_suggested_when_visible(
    officer: User, analyst: User, supervisor: User, cast: dict[str, Person]
) -> None:
    from liaison.registry.actions import create_person

    twin = create_person(actor=officer, data=person_data("Youssef Cherif"))
    hidden_twin = create_person(
        actor=supervisor,
        data=person_data("يوسف الشريف", handling_code="H3", named_recipients=["supervisor"]),
    )
    report = _report(officer, facts="Youssef CHERIF a été vu au port.")
    suggest_persons(actor=analyst, report=report)
    named = set(report.mentions.values_list("person_id", flat=True))
    assert named == {cast["cherif"].pk, twin.pk}
    assert hidden_twin.pk not in named


def test_persons_sharing_the_texts_keys_are_each_scored_by_their_own_name(
    officer: User, analyst: User, supervisor: User
) -> None:
    from liaison.registry.actions import create_person

    son_of_abdallah = create_person(actor=supervisor, data=person_data("أحمد بن عبد الله"))
    ould_ahmed = create_person(actor=supervisor, data=person_data("عبد الله ولد أحمد"))
    ait_ahmed = create_person(actor=supervisor, data=person_data("Abdallah Ait Ahmed"))
    report = _report(officer, facts="رصدت المصلحة عبد الله ولد أحمد قرب الميناء.")
    suggest_persons(actor=analyst, report=report)
    named = set(report.mentions.values_list("person_id", flat=True))
    assert named == {ould_ahmed.pk}
    assert not named & {son_of_abdallah.pk, ait_ahmed.pk}


def test_every_homonym_is_suggested_beyond_the_first_read(
    officer: User, analyst: User, supervisor: User, cast: dict[str, Person]
) -> None:
    from liaison.registry.actions import create_person
    from liaison.registry.search import MAX_SECOND_NAMES

    twins = [
        create_person(actor=officer, data=person_data("Youssef Cherif"))
        for _ in range(MAX_SECOND_NAMES + 3)
    ]
    hidden_twin = create_person(
        actor=supervisor,
        data=person_data("يوسف الشريف", handling_code="H3", named_recipients=["supervisor"]),
    )
    report = _report(officer, facts="Youssef CHERIF a été vu au port.")
    suggest_persons(actor=analyst, report=report)
    named = set(report.mentions.values_list("person_id", flat=True))
    assert named == {cast["cherif"].pk, *(t.pk for t in twins)}
    assert hidden_twin.pk not in named


def test_a_name_written_with_an_initial_suggests_the_persons_it_fits(
    officer: User, analyst: User, supervisor: User, cast: dict[str, Person]
) -> None:
    from liaison.registry.actions import create_person

    karim = create_person(actor=supervisor, data=person_data("Karim Cherif"))
    report = _report(officer, facts="Le nommé Y. CHERIF a été vu au port.")
    suggest_persons(actor=analyst, report=report)
    named = set(report.mentions.values_list("person_id", flat=True))
    assert named == {cast["cherif"].pk}
    assert karim.pk not in named


@pytest.mark.parametrize(
    ("decoy", "named", "facts"),
    [
        # عبد اللطيف ولد أحمد read together: the long name's whole key.
        (
            ("عبد اللطيف المرابط", "Ahmed Merabet"),
            "عبد اللطيف ولد أحمد",
            "رصدت المصلحة عبد اللطيف ولد أحمد قرب الميناء.",
        ),
        # Aithamza read as Ait Hamza: the key of Idriss Ait Hamza's whole name.
        (("Idriss Merabet", "Hamza Merabet"), "Idriss Ait Hamza", "Vu Idriss Aithamza au port."),
    ],
)
def test_a_name_is_found_behind_persons_sharing_its_parts_keys(
    officer: User, analyst: User, supervisor: User, decoy: tuple[str, str], named: str, facts: str
) -> None:
    """At 100,000 persons, dozens share two given names' keys in every order; their group
    was read through its first persons and the one named was never scored. The whole
    name's key, which only the named person has, makes it a candidate of its own."""
    from liaison.registry.actions import create_person
    from liaison.registry.search import MAX_SECOND_NAMES

    for _ in range(MAX_SECOND_NAMES + 1):
        create_person(actor=supervisor, data=person_data(*decoy))
    named_one = create_person(actor=supervisor, data=person_data(named))
    report = _report(officer, facts=facts)
    suggest_persons(actor=analyst, report=report)
    assert set(report.mentions.values_list("person_id", flat=True)) == {named_one.pk}


def test_an_initial_is_read_against_each_family_name_it_may_stand_before(
    officer: User, analyst: User, supervisor: User
) -> None:
    """I. AIT HAMZA: the persons of a given name in I and a key of Hamza are many; read
    through the first of them (a Hamza as a middle name), Idriss Ait Hamza was never scored."""
    from liaison.registry.actions import create_person
    from liaison.registry.search import MAX_SECOND_NAMES

    for _ in range(MAX_SECOND_NAMES + 1):
        create_person(actor=supervisor, data=person_data("Ilyas Hamza Merabet"))
    named_one = create_person(actor=supervisor, data=person_data("Idriss Ait Hamza"))
    report = _report(officer, facts="Le nommé I. AIT HAMZA a été vu au port.")
    suggest_persons(actor=analyst, report=report)
    assert set(report.mentions.values_list("person_id", flat=True)) == {named_one.pk}
