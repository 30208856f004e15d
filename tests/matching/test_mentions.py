"""Persons named in free text (liaison.matching.mentions): case tables across scripts."""

from __future__ import annotations

import pytest

from liaison.matching.mentions import (
    find_mentions,
    lookup_of,
    name_keys,
    name_words,
    text_keys,
    words,
)
from liaison.matching.types import Identity

REGISTRY = {
    "cherif": "Youssef Cherif",
    "abdellatif": "عبد اللطيف بن أحمد",
    "idrissi": "محمد الإدريسي",
    "alaoui": "Youssef Alaoui",
    "bennani": "Karim Bennani",
    "naceur": "Hassan Ben Naceur",
    "benali": "Imane Benali",
    "mohamed": "Mohamed Karim Bennani",
}


def _found(text: str) -> dict[str, str]:
    candidates = [(Identity(names=(name,), id=key), {}) for key, name in REGISTRY.items()]
    return {m.id: m.text for m in find_mentions(text, candidates)}


CASES = [
    # Arabic text, the person recorded in Latin script.
    ("التقى يوسف الشريف بشخص في الميناء.", {"cherif": "يوسف الشريف"}),
    # French text, the person recorded in Arabic script, another spelling.
    ("Abdellatif Ben Ahmed a loué un entrepôt.", {"abdellatif": "Abdellatif Ben Ahmed"}),
    ("Selon la source, Abd el Latif ben Ahmed paie.", {"abdellatif": "Abd el Latif ben Ahmed"}),
    # Both scripts in one text.
    (
        "Le nommé محمد الادريسي rencontre Youssef CHERIF à Tanger.",
        {"idrissi": "محمد الادريسي", "cherif": "Youssef CHERIF"},
    ),
    # The conjunction و glued to the name.
    ("شوهد المشتبه به ويوسف العلوي.", {"alaoui": "يوسف العلوي"}),
    # Family name first.
    ("BENNANI Karim conduisait.", {"bennani": "BENNANI Karim"}),
    # A split spelling of a joined name.
    ("Hassan Bennaceur est parti.", {"naceur": "Hassan Bennaceur"}),
    # A different person: same given name, another family name, is not suggested.
    ("Youssef Tazi a été vu au port.", {}),
    # A family name alone, or a given name alone, names nobody for sure.
    ("Les Bennani et Youssef sont partis.", {}),
    # A sentence or a comma between two words: not one name.
    ("Il a vu Youssef. Cherif est arrivé ensuite.", {}),
    # Lower-case words in Latin script are not a name (except particles).
    ("le youssef cherif du port", {}),
    # Arabic words of grammar are no name (من إلى: "from ... to", not Imane Benali).
    ("نقلت البضاعة من إلى الميناء.", {}),
    # The longer name is the one the text gives: Mohamed Karim Bennani, not Karim Bennani.
    ("Mohamed Karim Bennani a signé.", {"mohamed": "Mohamed Karim Bennani"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_persons_named_in_text(text: str, expected: dict[str, str]) -> None:
    assert _found(text) == expected


def test_a_mention_has_its_offsets_score_and_explanation() -> None:
    text = "Rapport: يوسف الشريف, vu le 3 mars."
    (mention,) = find_mentions(text, [(Identity(names=("Youssef Cherif",), id="7"), {})])
    assert text[mention.start : mention.end] == mention.text == "يوسف الشريف"
    assert mention.found.kind == "full" and mention.found.score >= 0.86
    assert {p.how for p in mention.found.parts} == {"script"}
    back = lookup_of(mention.found.as_dict())
    assert (back.kind, back.score) == ("full", round(mention.found.score, 4))
    assert [(p.query, p.record, p.how) for p in back.parts] == [
        (p.query, p.record, p.how) for p in mention.found.parts
    ]


def test_text_keys_are_the_registry_keys() -> None:
    assert name_keys("Youssef Cherif") <= text_keys("Il a vu Youssef Cherif hier.")
    assert name_keys("عبد اللطيف") <= text_keys("Abd el Latif")


def test_words_break_at_punctuation_digits_and_script() -> None:
    blocks = [w.block for w in words("Ali Hassan, Omar 12 Said يوسف")]
    assert blocks == [0, 0, 1, 2, 3]


def test_a_word_that_is_no_name_ends_the_block() -> None:
    assert [(w.text, w.block) for w in name_words("Il a vu Youssef Cherif")] == [
        ("Youssef", 4),
        ("Cherif", 4),
    ]
