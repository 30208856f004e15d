"""Arabic-script and Latin clean-up: each row is a rule of the normaliser."""

import pytest

from liaison.matching.normalise import is_arabic, normalise_arabic, strip_diacritics, tokens

ARABIC_CASES = [
    ("أحمد", "احمد"),  # hamza above alef
    ("إبراهيم", "ابراهيم"),  # hamza below alef
    ("آمنة", "امنه"),  # madda, ta marbuta
    ("ٱلله", "الله"),  # wasla
    ("مصطفى", "مصطفي"),  # alef maqsura
    ("علی", "علي"),  # Persian yeh
    ("کریم", "كريم"),  # Persian kaf and yeh
    ("مـحـمـد", "محمد"),  # tatweel
    ("مُحَمَّد", "محمد"),  # tashkeel and shadda
    ("فاطمۀ", "فاطمه"),  # Persian heh with yeh above
]


@pytest.mark.parametrize(("raw", "expected"), ARABIC_CASES)
def test_it_folds_arabic_letter_variants(raw: str, expected: str) -> None:
    assert normalise_arabic(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Chérif", "Cherif"), ("Saïd", "Said"), ("Fayçal", "Faysal"), ("Hédi", "Hedi")],
)
def test_it_strips_french_diacritics(raw: str, expected: str) -> None:
    assert strip_diacritics(raw) == expected


def test_it_splits_on_hyphens_dots_and_commas_and_joins_apostrophes() -> None:
    assert tokens("EL-AMRANI, M. Ma'rouf") == ["el", "amrani", "m", "marouf"]


@pytest.mark.parametrize(
    ("text", "arabic"), [("محمد", True), ("Mohamed", False), ("محمد Mohamed", False), ("", False)]
)
def test_it_detects_the_majority_script(text: str, arabic: bool) -> None:
    assert is_arabic(text) is arabic
