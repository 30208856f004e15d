"""An action's evidence resolved on its page: a record held here that the viewer may see is
its title as a link to its page; any other (not held here, H3 and the viewer not named on
it) reads "not available on this node", the same words whether it exists or not. A fixed
number of queries, whatever the number of links. On entry, each malformed link is named."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from liaison.accounts.models import User
from liaison.cooperation.models import JointCase
from liaison.plan.actions import update_action
from liaison.plan.delivery import create_training
from liaison.plan.models import PlanAction, Training
from liaison.registry.actions import create_person
from liaison.registry.models import Person
from tests.plan.conftest import action_data, training_data
from tests.plan.test_pages import ACTION_QUERIES, _web
from tests.plan.test_review_pdf import joint_case
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db
ELSEWHERE = "not available on this node"


def _set_evidence(action: PlanAction, officer: User, *links: tuple[str, Any]) -> None:
    evidence = [{"type": kind, "uid": str(uid)} for kind, uid in links]
    update_action(actor=officer, action=action, data=action_data(evidence=evidence))


def _evidence(client: Any, action: PlanAction) -> str:
    page = client.get(f"/plan/actions/{action.uid}/").content.decode()
    return page.split('id="evidence">', 1)[1].split("</dd>", 1)[0]


def _records(officer: User) -> dict[str, Any]:
    training = create_training(actor=officer, data=training_data(title="Fraude documentaire"))
    case = joint_case("Affaire Tanger-Marseille", created_by=officer)
    person = create_person(actor=officer, data=person_data("Karim Benali"))
    return {"training": training, "case": case, "person": person}


def test_evidence_held_here_and_visible_links_to_its_record(
    our_action: PlanAction, officer: User
) -> None:
    found = _records(officer)
    missing = uuid.uuid4()
    _set_evidence(
        our_action,
        officer,
        ("training", found["training"].uid),
        ("case", found["case"].uid),
        ("person", found["person"].uid),
        ("report", missing),
    )
    shown = _evidence(_web(officer), our_action)
    assert f'<a href="/plan/trainings/{found["training"].uid}/" dir="auto">Fraude documentaire' in (
        shown
    )
    assert f'<a href="/groups/cases/{found["case"].uid}/"' in shown
    assert "Affaire Tanger-Marseille" in shown
    assert f'<a href="/registry/persons/{found["person"].uid}/" dir="auto">Karim Benali' in shown
    assert f"<code>{missing}</code>" in shown and shown.count(ELSEWHERE) == 1


def test_an_h3_record_named_as_evidence_shows_no_more_than_a_missing_one(
    our_action: PlanAction, officer: User, analyst: User, make_user: Any
) -> None:
    found = _records(officer)
    for model, record in ((Training, found["training"]), (JointCase, found["case"])):
        model.objects.filter(pk=record.pk).update(handling_code="H3")
    Person.objects.filter(pk=found["person"].pk).update(handling_code="H3")
    kinds = ("training", "case", "person")
    _set_evidence(our_action, officer, *((k, found[k].uid) for k in kinds))
    shown = _evidence(_web(analyst), our_action)  # analyst: not named on them
    for title in ("Fraude documentaire", "Affaire Tanger-Marseille", "Karim Benali"):
        assert title not in shown
    assert shown.count(ELSEWHERE) == 3 and "href" not in shown
    # The same page with uids of records that do not exist reads the same, but for the uids.
    ghosts = [uuid.uuid4() for _k in kinds]
    _set_evidence(our_action, officer, *zip(kinds, ghosts, strict=True))
    ghost_page = _evidence(_web(analyst), our_action)
    uid = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}")
    assert uid.sub("UID", ghost_page) == uid.sub("UID", shown)
    # The one who recorded them (named on them) sees them.
    _set_evidence(our_action, officer, *((k, found[k].uid) for k in kinds))
    assert _evidence(_web(officer), our_action).count("href") == 3


def test_the_action_page_costs_the_same_queries_at_two_evidence_sizes(
    our_action: PlanAction, officer: User, django_assert_num_queries: Any
) -> None:
    client = _web(officer)
    for n in (1, 5):
        links = []
        for i in range(n):
            training = create_training(actor=officer, data=training_data(title=f"T{n}{i}"))
            case = joint_case(f"Affaire {n}{i}", created_by=officer)
            person = create_person(actor=officer, data=person_data(f"Karim Benali {n}{i}"))
            links += [("training", training.uid), ("case", case.uid), ("person", person.uid)]
        _set_evidence(our_action, officer, *links, ("report", uuid.uuid4()))
        with django_assert_num_queries(EVIDENCE_QUERIES):
            assert _evidence(client, our_action).count("href") == 3 * n


# The action page with evidence of four types: the page's own queries (test_pages.py,
# ACTION_QUERIES) and one per type named (training, case, person, report), plus the
# persons' names.
EVIDENCE_QUERIES = ACTION_QUERIES + 5


def test_each_malformed_link_is_named_and_a_partners_record_is_accepted(
    our_action: PlanAction, officer: User
) -> None:
    form = {
        "title": our_action.title,
        "owners": "ma: Cdt. Amrani",
        "starts_on": "2026-01-05",
        "due_on": "2026-06-30",
        "status": "planned",
        "handling_code": "H0",
    }
    partner_record = uuid.uuid4()  # not held here: it may be the partner's
    typed = f"training pas-un-uid\ncase {partner_record}\nfichier {uuid.uuid4()}"
    client = _web(officer)
    response = client.post(f"/plan/actions/{our_action.uid}/edit/", form | {"evidence": typed})
    errors = response.context["form"].errors["evidence"]
    assert len(errors) == 2
    assert "“training pas-un-uid” is not a link" in errors[0] and "“fichier " in errors[1]
    assert PlanAction.objects.get(pk=our_action.pk).version == 1
    response = client.post(
        f"/plan/actions/{our_action.uid}/edit/", form | {"evidence": f"case {partner_record}"}
    )
    assert response.status_code == 302
    stored = PlanAction.objects.get(pk=our_action.pk).evidence
    assert stored == [{"type": "case", "uid": str(partner_record)}]
