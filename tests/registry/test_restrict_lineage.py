"""`restrict` (the SQL filter every list, count and desk feed uses) agrees with `decide`
(the per-record answer) on every row, across the whole lineage: a child hidden by its
parent's or grandparent's H3, seen through the parent's creator or named recipients, with
an optional parent absent (an alert without a warrant, a hit without an alert), and a
partner's copy created by nobody here. Written straight to the tables: partners' copies
reach any shape, whatever the actions allow locally."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from liaison.accounts.models import User
from liaison.policy import Action, decide, restrict
from liaison.registry.models import Alert, Hit, HitDecision, Person, Warrant

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(make_user: Callable[..., User]) -> dict[str, User]:
    return {name: make_user(name, "officer") for name in ("creator", "named", "other")}


def _codes(users: dict[str, User]) -> list[dict[str, Any]]:
    """Each way a record can be handled: open, H3 by its creator, H3 naming someone, H3
    created by nobody of this node (a partner's copy) and naming nobody."""
    return [
        {"handling_code": "H0"},
        {"handling_code": "H3", "created_by": users["creator"]},
        {"handling_code": "H3", "named": users["named"]},
        {"handling_code": "H3"},
    ]


def _make(model: Any, code: dict[str, Any], **fields: Any) -> Any:
    code = dict(code)
    named = code.pop("named", None)
    record = model.objects.create(owner_node="ma", **code, **fields)
    if named is not None:
        record.restricted_to.add(named)
    return record


def _grid(users: dict[str, User]) -> None:
    codes = _codes(users)
    warrant = {"issuing_country": "MA", "issuing_authority": "Parquet", "reference": "W"}
    hit = {
        "encountered_name": "Salma Bennani",
        "encountered_on": timezone.now(),
        "place": "Tanger Med",
        "context": "border_check",
        "recorded_by_name": "Desk",
    }
    for person_code in codes:
        person = _make(Person, person_code, category="wanted")
        warrants = [
            _make(Warrant, code, person=person, issued_on="2026-01-01", **warrant)
            for code in codes[:3]
        ]
        alerts = [
            _make(Alert, code, person=person, warrant=parent, alert_type="locate")
            for code, parent in itertools.product(codes[:2], [None, *warrants])
        ]
        for code, alert in itertools.product([codes[0], codes[2]], [None, *alerts[::2]]):
            recorded = _make(Hit, code, person=person, alert=alert, **hit)
            _make(
                HitDecision,
                codes[0],
                hit=recorded,
                decision="confirmed",
                message="Same person.",
                decided_by_name="Desk",
                decided_by_agency="DGSN",
                decided_on=timezone.now(),
            )


@pytest.mark.parametrize("model", [Person, Warrant, Alert, Hit, HitDecision])
def test_restrict_keeps_exactly_the_rows_decide_allows(
    users: dict[str, User], model: Any, django_assert_num_queries: Callable[..., Any]
) -> None:
    _grid(users)
    rows = list(model.objects.all())
    for user in users.values():
        allowed = {row.pk for row in rows if decide(user, Action.VIEW, row)}
        with django_assert_num_queries(1):  # one statement, whatever the lineage
            kept = set(restrict(model.objects.all(), user).values_list("pk", flat=True))
        assert kept == allowed, (user.username, sorted(kept ^ allowed))
        # The grid is meant to hide some rows from everyone and show some to each.
        assert allowed and len(allowed) < len(rows), (user.username, len(allowed))
    # Someone sees rows through a parent's named recipients or creator only.
    seen = {
        name: set(restrict(model.objects.all(), user).values_list("pk", flat=True))
        for name, user in users.items()
    }
    assert seen["named"] - seen["other"] or model is Person
    if model is not Person:
        assert seen["creator"] - seen["other"] and seen["named"] - seen["creator"]
