"""Audit codes in words (liaison.audit.labels): what the timeline, the auditor's page and the
CSV export show instead of stored codes and Python reprs."""

from __future__ import annotations

import pytest
from django.utils import translation

from liaison.audit import labels


def test_actions_have_a_legal_name_and_a_timeline_verb() -> None:
    assert labels.action_label("collect") == "Collection"
    assert labels.action_verb("collect") == "Recorded"
    assert labels.action_verb("disclose") == "Shared"


def test_registered_models_give_object_types_and_fields_their_verbose_names() -> None:
    assert labels.object_type_label("person") == "person"
    assert labels.field_label("person", "review_date") == "review date"
    assert labels.field_label("person", "birth_dates") == "dates of birth"
    assert labels.field_label("warrant", "issued_on") == "issued on"
    assert labels.object_type_label("event") == "event"


def test_labels_follow_the_readers_language() -> None:
    with translation.override("fr"):
        assert labels.object_type_label("person") == "personne"
        assert labels.field_label("alert", "review_date") == "date de réexamen"
        assert labels.action_label("alter") == "Modification"


def test_message_types_and_unknown_codes_read_as_words() -> None:
    assert labels.object_type_label("person.upsert") == "person (new or changed)"
    assert labels.object_type_label("warrant.withdraw") == "warrant (withdrawn)"
    assert labels.object_type_label("some_new-thing") == "some new thing"
    assert labels.field_label("person", "not_a_field") == "not a field"


def test_choice_values_are_shown_by_their_labels() -> None:
    assert labels.value_text("warrant", "status", "executed") == "executed"
    assert labels.value_text("person", "category", "wanted") == "wanted"
    with translation.override("fr"):
        assert labels.value_text("person", "sex", "F") != "F"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("names", ["alias:Abdellatif Ould Cherif"], "Abdellatif Ould Cherif (alias)"),
        ("documents", ["passport:AB123:MA"], "passport AB123 (MA)"),
        ("nationalities", ["MA", "FR"], "MA, FR"),
        ("nationalities", [], "—"),
        ("place_of_birth", "", "—"),
    ],
)
def test_person_parts_are_formatted(field: str, value: object, expected: str) -> None:
    assert labels.value_text("person", field, value) == expected


def test_changes_read_as_field_old_new() -> None:
    changes = {"review_date": ["2026-01-31", "2026-07-31"], "status": ["active", "executed"]}
    described = labels.changes_in_words("warrant", changes)
    assert [(c.field, c.old, c.new) for c in described] == [
        ("review date", "2026-01-31", "2026-07-31"),
        ("status", "active", "executed"),
    ]
    assert labels.changes_in_words("warrant", None) == []  # redacted


def test_the_erasure_detail_is_words_not_a_python_repr() -> None:
    detail = {"reason": "court order", "attached": {"warrants": [], "alerts": ["u-1", "u-2"]}}
    words = labels.detail_in_words(detail)
    assert words == [
        ("reason", "court order"),
        ("attached records", "warrants: none; alerts: u-1, u-2"),
    ]
    assert not any("[" in text or "{" in text for _, text in words)


def test_detail_codes_and_flags_are_words() -> None:
    assert labels.detail_in_words({"status": "rejected", "key_known": True}) == [
        ("status", "rejected"),
        ("key known", "yes"),
    ]
