# ruff: noqa: RUF001 -- Arabic letters, typographic apostrophes and dashes are data here.
"""Places and organisations read from a report's text (liaison/intel/gazetteer.py,
organisations.py, indicators.py): case tables in French, Arabic and both mixed, with the
words that must not be read as either. Pure Python: no database."""

from __future__ import annotations

import pytest

from liaison.intel import indicators, organisations
from liaison.intel.gazetteer import places


def _found(text: str, kind: str) -> list[tuple[str, str]]:
    return [(i.value, i.normalised) for i in indicators.extract(text, "MA") if i.kind == kind]


PLACES = [
    # (text, [(as written, stored)])
    ("Rendez-vous au port de Tanger Med.", [("Tanger Med", "Tanger Med")]),
    (
        "وصل إلى ميناء طنجة المتوسط ثم بطنجة",
        [("ميناء طنجة المتوسط", "Tanger Med"), ("بطنجة", "Tanger")],
    ),
    ("انتقل للرباط ثم إلى الدار البيضاء", [("للرباط", "Rabat"), ("الدار البيضاء", "Casablanca")]),
    ("Passé par Fes puis Fès et Fez.", [("Fes", "Fès")]),  # one value, first as written
    (
        "Le match au Grand Stade de Marrakech.",
        [("Grand Stade de Marrakech", "Grand Stade de Marrakech")],
    ),
    (
        "مباراة في ملعب الأمير مولاي عبد الله",
        [("ملعب الأمير مولاي عبد الله", "Stade Prince Moulay Abdellah")],
    ),
    (
        "Contrôle au poste de Bab Sebta, puis Zouj Bghal.",
        [("Bab Sebta", "Bab Sebta"), ("Zouj Bghal", "Zouj Bghal")],
    ),
    ("عبر معبر باب سبتة", [("معبر باب سبتة", "Bab Sebta")]),
    ("Départ du Havre vers Marseille.", [("Havre", "Le Havre"), ("Marseille", "Marseille")]),
    (
        "Vol Roissy-Charles-de-Gaulle – Aéroport Mohammed V.",
        [
            ("Roissy-Charles-de-Gaulle", "Roissy-Charles-de-Gaulle"),
            ("Aéroport Mohammed V", "Aéroport Mohammed V"),
        ],
    ),
    (
        "Il réside à Saint-Étienne, région Auvergne-Rhône-Alpes.",
        [
            ("Saint-Étienne", "Saint-Étienne"),
            ("Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes"),
        ],
    ),
]

NOT_PLACES = [
    "Des paris sportifs illégaux, un colis salé.",  # paris, salé: lower case
    "Il a vu le gang aux Tours de la ville, une Orange.",  # Tours, Orange: not in the data
    "قال إن العيون كانت مفتوحة في الليل",  # العيون "the eyes", الليل "the night"
    "قدم سيارة الجديدة إلى الداخلة",  # "the new", "the one entering"
    "لقاء مع السيد بنيس",  # Bennis, not ب + نيس (Nice)
    "Nancy Safi et Karim Berkane.",  # person names left out of the gazetteer
]


@pytest.mark.parametrize(("text", "expected"), PLACES)
def test_places_are_read_in_both_scripts_and_stored_by_their_name(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(text, "place") == expected


@pytest.mark.parametrize("text", NOT_PLACES)
def test_common_words_and_person_names_are_not_places(text: str) -> None:
    assert _found(text, "place") == []


ORGANISATIONS = [
    # (text, [(stored, FtM schema)])
    ("Hier, la société Atlas Transit SARL a loué un camion.", [("Atlas Transit SARL", "Company")]),
    (
        "La SARL Nour Export et Sud Logistique S.A.R.L. ont payé.",
        [
            ("SARL Nour Export", "Company"),
            ("Sud Logistique SARL", "Company"),
        ],
    ),
    ("Il travaille pour la société Amal Trans.", [("Société Amal Trans", "Company")]),
    (
        "Le réseau Zerktouni et le clan des Barbus.",
        [
            ("Réseau Zerktouni", "Organization"),
            ("Clan des Barbus", "Organization"),
        ],
    ),
    ("قامت شركة «الأطلس للنقل» بنقل البضائع.", [("شركة الأطلس للنقل", "Company")]),
    ('تنشط عصابة "النمور" في مراكش.', [("عصابة النمور", "Organization")]),
    (
        "تعمل شركة Atlas Transit SARL بفاس مع مؤسسة Nour.",
        [
            ("Atlas Transit SARL", "Company"),
            ("مؤسسة Nour", "Company"),
        ],
    ),
    (
        "Des liens avec la DZ Mafia et la Mocro Mafia.",
        [
            ("DZ Mafia", "Organization"),
            ("Mocro Maffia", "Organization"),
        ],
    ),
    ("Billets Royal Air Maroc, ou الخطوط الملكية المغربية.", [("Royal Air Maroc", "Company")]),
]

NOT_ORGANISATIONS = [
    "Un réseau de trafiquants, une cellule de crise, un gang armé.",
    "Contact par le réseau Internet et une cellule WhatsApp.",
    "Le réseau de Marseille est actif.",  # a place, not a name
    "Des fonds partis vers la bande de Gaza.",
    "تعمل شبكة إجرامية في الناظور مع عصابة مسلحة",  # "a criminal network", "an armed gang"
    "شركة النقل والمؤسسة العمومية",  # "the transport company", unquoted: a description
    "La SA. Il a dit SA réponse.",
]


@pytest.mark.parametrize(("text", "expected"), ORGANISATIONS)
def test_organisations_are_read_with_what_makes_them_one(
    text: str, expected: list[tuple[str, str]]
) -> None:
    stored = [n for _v, n in _found(text, "organisation")]
    assert [(n, organisations.schema_of(n)) for n in stored] == expected


@pytest.mark.parametrize("text", NOT_ORGANISATIONS)
def test_descriptions_places_and_services_are_not_organisations(text: str) -> None:
    assert _found(text, "organisation") == []


def test_a_mixed_report_reads_each_kind_once_and_no_place_inside_an_organisation() -> None:
    text = (
        "Le 3 mars, يوسف الشريف a rencontré le gérant de Tanger Logistique SARL au port de "
        "Tanger Med ; la شركة «الأطلس للنقل» livre à Casablanca (الدار البيضاء). "
        "Tél. 0661234567, véhicule AB-123-CD."
    )
    kinds = [(i.kind, i.normalised) for i in indicators.extract(text, "MA")]
    assert kinds == [
        ("organisation", "Tanger Logistique SARL"),
        ("place", "Tanger Med"),
        ("organisation", "شركة الأطلس للنقل"),
        ("place", "Casablanca"),
        ("phone", "+212661234567"),
        ("plate", "AB-123-CD"),
    ]


def test_every_alias_of_the_gazetteer_finds_its_own_place() -> None:
    """The data holds no alias that another entry, or a longer alias, would take."""
    gazetteer = places()
    for items in gazetteer.by_first.values():
        for alias in items:
            found = gazetteer.find(alias.text)
            assert [(f.entry.name, f.start, f.end) for f in found] == [
                (alias.entry.name, 0, len(alias.text))
            ]


@pytest.mark.timeout(30)  # a guard against a hang, not a speed figure: fixed, it takes ms
@pytest.mark.parametrize("unit", ["Au-", "A-", "A'", "É’"])
def test_a_field_of_hyphenated_capitals_is_read_in_linear_time(unit: str) -> None:
    """20,000 characters of "A-A-A-…" (a field's limit) once took the organisation patterns
    seconds each, in the square of the length: a writer or a partner could stall a node."""
    text = unit * (20_000 // len(unit))
    assert organisations.find(text) == []
    for _ in range(4):  # title, summary, facts, assessment: every field is read
        indicators.extract(text)
    assert [o.name for o in organisations.find(f"{text}. Atlas-Tanger SA")] == ["Atlas-Tanger SA"]
