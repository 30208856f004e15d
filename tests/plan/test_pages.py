"""The plan's pages: who may open and use each, bad input, and what each page costs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison.accounts.models import User
from liaison.exchange.models import OutboxEnvelope
from liaison.plan.actions import (
    ObjectiveData,
    create_action,
    create_objective,
    propose_change,
)
from liaison.plan.delivery import create_assistance, create_training
from liaison.plan.models import (
    Objective,
    PlanAction,
    PlanProposal,
    TechnicalAssistance,
    Training,
)
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import action_data, assistance_data, training_data

pytestmark = pytest.mark.django_db


def _web(user: User) -> Client:
    """A session as a password and a TOTP code leave it (the sign-in is tested in accounts)."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.get_or_create(user=user, name="phone", confirmed=True)[0]
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def records(their_action: PlanAction, our_action: PlanAction, officer: User) -> dict[str, Any]:
    proposal = propose_change(
        actor=officer, action=their_action, changes={"status": "done"}, reason="Fini"
    )
    return {
        "objective": our_action.objective,
        "action": our_action,
        "theirs": their_action,
        "proposal": proposal,
        "training": create_training(actor=officer, data=training_data()),
        "assistance": create_assistance(actor=officer, data=assistance_data()),
    }


READ = [
    "/plan/",
    "/plan/objectives/{objective.uid}/",
    "/plan/actions/{action.uid}/",
    "/plan/trainings/",
    "/plan/trainings/{training.uid}/",
    "/plan/assistance/",
    "/plan/assistance/{assistance.uid}/",
]
WRITE = [
    "/plan/objectives/new/",
    "/plan/objectives/{objective.uid}/edit/",
    "/plan/objectives/{objective.uid}/actions/new/",
    "/plan/actions/{action.uid}/edit/",
    "/plan/actions/{theirs.uid}/propose/",
    "/plan/trainings/new/",
    "/plan/trainings/{training.uid}/edit/",
    "/plan/assistance/new/",
    "/plan/assistance/{assistance.uid}/edit/",
]
SHARE = [
    "/plan/objectives/{objective.uid}/share/",
    "/plan/trainings/{training.uid}/share/",
    "/plan/assistance/{assistance.uid}/share/",
]
DECIDE = "/plan/proposals/{proposal.uid}/decide/"
LISTS = {"/plan/", "/plan/trainings/", "/plan/assistance/"}


def _urls(urls: list[str], records: dict[str, Any]) -> list[str]:
    return [url.format(**records) for url in urls]


def _role(make_user: Callable[..., User], role: str) -> User:
    user = make_user(f"{role}-1", role)
    user.groups.set([Group.objects.get(name=role)])
    return user


def test_anonymous_visitors_are_sent_to_sign_in(records: dict[str, Any]) -> None:
    client = Client()
    for url in _urls(READ + WRITE, records):
        assert client.get(url).status_code == 302, url
    for url in _urls([*SHARE, DECIDE], records):
        response = client.post(url, {"partner": "fr", "accepted": "yes"})
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_roles_without_records_get_nothing(
    records: dict[str, Any], make_user: Callable[..., User]
) -> None:
    for role in ("auditor", "node_admin"):
        client = _web(_role(make_user, role))
        for url in _urls(READ + WRITE, records):
            expected = (
                403 if url in LISTS or (url.endswith("/new/") and "actions" not in url) else 404
            )
            assert client.get(url).status_code == expected, (role, url)
        for url in _urls([*SHARE, DECIDE], records):
            assert client.post(url, {"partner": "fr"}).status_code == 404, (role, url)
    assert OutboxEnvelope.objects.filter(message_type="training.upsert").count() == 0


def test_an_analyst_reads_but_changes_nothing(records: dict[str, Any], analyst: User) -> None:
    client = _web(analyst)
    for url in _urls(READ, records):
        assert client.get(url).status_code == 200, url
    for url in _urls(WRITE, records):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert client.post(DECIDE.format(**records), {"accepted": "yes"}).status_code == 403


def test_an_officer_may_not_share(records: dict[str, Any], officer: User) -> None:
    client = _web(officer)
    before = OutboxEnvelope.objects.count()
    for url in _urls(SHARE, records):
        assert client.post(url, {"partner": "fr"}).status_code == 302, url
    assert OutboxEnvelope.objects.count() == before


def test_a_partners_action_cannot_be_changed_here_only_proposed(
    records: dict[str, Any], officer: User
) -> None:
    client = _web(officer)
    theirs = records["theirs"]
    assert client.get(f"/plan/actions/{theirs.uid}/edit/").status_code == 403
    page = client.get(f"/plan/actions/{theirs.uid}/").content.decode()
    assert f"/plan/actions/{theirs.uid}/propose/" in page
    assert f"/plan/proposals/{records['proposal'].uid}/decide/" not in page
    assert client.post(DECIDE.format(**records), {"accepted": "yes"}).status_code == 403
    assert not PlanProposal.objects.filter(decision__isnull=False).exists()


def test_h3_records_are_404_to_those_not_named(
    officer: User, supervisor: User, make_user: Callable[..., User]
) -> None:
    objective = create_objective(
        actor=supervisor, data=ObjectiveData(code="O9", title="Secret", handling_code="H3")
    )
    action = create_action(actor=supervisor, objective=objective, data=action_data())
    training = create_training(actor=supervisor, data=training_data(handling_code="H3"))
    client = _web(officer)
    for url in (
        f"/plan/objectives/{objective.uid}/",
        f"/plan/actions/{action.uid}/",
        f"/plan/actions/{action.uid}/propose/",
        f"/plan/trainings/{training.uid}/",
    ):
        assert client.get(url).status_code == 404, url
    assert b"Secret" not in client.get("/plan/").content
    assert training.title.encode() not in client.get("/plan/trainings/").content


# Forms


def test_an_officer_records_an_objective_and_an_action_on_the_forms(officer: User) -> None:
    client = _web(officer)
    response = client.post(
        "/plan/objectives/new/", {"code": "O1", "title": "Crime organisé", "handling_code": "H0"}
    )
    objective = Objective.objects.get()
    assert response.status_code == 302
    form = {
        "title": "Équipe commune d'enquête",
        "owners": "ma: Cdt. Amrani\nfr: Cdt. Martin",
        "starts_on": "2026-01-05",
        "due_on": "2026-06-30",
        "status": "planned",
        "evidence": "",
        "handling_code": "H0",
    }
    response = client.post(f"/plan/objectives/{objective.uid}/actions/new/", form)
    action = PlanAction.objects.get()
    assert response.status_code == 302 and action.owners[1] == {
        "service": "fr",
        "person": "Cdt. Martin",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"due_on": "2025-01-01"},
        {"owners": "Cdt. Martin sans service"},
        {"owners": "France: Cdt. Martin"},
        {"evidence": "training pas-un-uid"},
        {"status": "forgotten"},
        {"title": ""},
    ],
)
def test_bad_input_on_the_action_form_is_explained_and_changes_nothing(
    our_action: PlanAction, officer: User, change: dict[str, str]
) -> None:
    form = {
        "title": our_action.title,
        "owners": "ma: Cdt. Amrani",
        "starts_on": "2026-01-05",
        "due_on": "2026-06-30",
        "status": "planned",
        "evidence": "",
        "handling_code": "H0",
    }
    before = PlanAction.objects.values().get(pk=our_action.pk)
    response = _web(officer).post(f"/plan/actions/{our_action.uid}/edit/", form | change)
    assert response.status_code == 200  # the form again, with the reason
    assert PlanAction.objects.values().get(pk=our_action.pk) == before


def test_a_proposal_on_the_form_sends_only_what_changed(
    their_action: PlanAction, officer: User
) -> None:
    client = _web(officer)
    page = client.get(f"/plan/actions/{their_action.uid}/propose/")
    form = {
        name: page.context["form"][name].value() or ""
        for name in ("title", "description", "working_group", "owners", "evidence", "status")
    }
    form |= {"starts_on": "2026-02-01", "due_on": "2026-08-31", "reason": "Retard"}
    response = client.post(f"/plan/actions/{their_action.uid}/propose/", form)
    assert response.status_code == 302
    assert PlanProposal.objects.get().changes == {"due_on": "2026-08-31"}


def test_the_owner_decides_on_the_page(our_action: PlanAction, officer: User, fr: Partner) -> None:
    from tests.plan.conftest import deliver
    from tests.plan.test_plan import _proposal_body

    body = _proposal_body(our_action)
    deliver(fr, "planproposal.upsert", body)
    client = _web(officer)
    page = client.get(f"/plan/actions/{our_action.uid}/").content.decode()
    assert f"/plan/proposals/{body['uid']}/decide/" in page
    response = client.post(f"/plan/proposals/{body['uid']}/decide/", {"accepted": "maybe"})
    assert response.status_code == 302 and PlanAction.objects.get().version == 1
    client.post(f"/plan/proposals/{body['uid']}/decide/", {"accepted": "yes", "reason": "OK"})
    assert PlanAction.objects.get().version == 2


def test_a_training_and_assistance_recorded_on_the_forms(officer: User) -> None:
    client = _web(officer)
    training = {
        "topic": "cybercrime",
        "title": "Enquêtes sur la cybercriminalité",
        "starts_on": "2025-03-03",
        "ends_on": "2025-03-07",
        "remote": "on",
        "provider_node": "fr",
        "receiver_node": "ma",
        "trainers": "Cne. Roux",
        "participants": "25",
        "attended": "",
        "rating": "4.2",
        "handling_code": "H0",
    }
    assert client.post("/plan/trainings/new/", training).status_code == 302
    assert Training.objects.get().remote is True
    bad = training | {"remote": "", "place": ""}
    assert client.post("/plan/trainings/new/", bad).status_code == 200
    bad = training | {"attended": "30"}
    assert client.post("/plan/trainings/new/", bad).status_code == 200
    assert Training.objects.count() == 1
    assistance = {
        "kind": "software",
        "description": "Logiciel d'analyse criminelle",
        "provider_node": "ma",
        "recipient_node": "ma",
        "starts_on": "2025-05-01",
        "status": "delivered",
        "handling_code": "H0",
    }
    assert client.post("/plan/assistance/new/", assistance).status_code == 200  # same service
    assistance["recipient_node"] = "fr"
    assert client.post("/plan/assistance/new/", assistance).status_code == 302
    assert TechnicalAssistance.objects.get().recipient_node == "fr"


# Query counts

OVERVIEW_QUERIES = 13
ACTION_QUERIES = 16
TRAININGS_QUERIES = 12
ASSISTANCE_QUERIES = 12


def test_the_overview_costs_a_fixed_number_of_queries(
    officer: User, django_assert_num_queries: Any
) -> None:
    client = _web(officer)
    for n in (1, 4):
        objective = create_objective(actor=officer, data=ObjectiveData(code=f"O{n}", title="T"))
        for _i in range(n):
            create_action(actor=officer, objective=objective, data=action_data())
        with django_assert_num_queries(OVERVIEW_QUERIES):
            assert client.get("/plan/").status_code == 200


def test_the_action_page_costs_a_fixed_number_of_queries(
    their_action: PlanAction, officer: User, django_assert_num_queries: Any
) -> None:
    client = _web(officer)
    for n in (1, 3):
        for i in range(n):
            propose_change(
                actor=officer, action=their_action, changes={"title": f"T{n}{i}"}, reason="x"
            )
        with django_assert_num_queries(ACTION_QUERIES):
            assert client.get(f"/plan/actions/{their_action.uid}/").status_code == 200


def test_the_lists_of_trainings_and_assistance_cost_a_fixed_number_of_queries(
    officer: User, django_assert_num_queries: Any
) -> None:
    client = _web(officer)
    for n in (1, 4):
        for _i in range(n):
            create_training(actor=officer, data=training_data())
            create_assistance(actor=officer, data=assistance_data())
        with django_assert_num_queries(TRAININGS_QUERIES):
            assert client.get("/plan/trainings/").status_code == 200
        with django_assert_num_queries(ASSISTANCE_QUERIES):
            assert client.get("/plan/assistance/").status_code == 200


def test_the_history_and_the_proposals_read_in_words(
    our_action: PlanAction, officer: User, fr: Partner
) -> None:
    from liaison.plan.actions import update_action
    from tests.plan.conftest import deliver
    from tests.plan.test_plan import _proposal_body

    update_action(actor=officer, action=our_action, data=action_data(status="in_progress"))
    deliver(fr, "planproposal.upsert", _proposal_body(our_action))
    page = _web(officer).get(f"/plan/actions/{our_action.uid}/").content.decode()
    assert 'Status: <span dir="auto">Planned</span> → <span dir="auto">In progress</span>' in page
    assert 'Due on: <span dir="auto">2026-12-31</span>' in page
