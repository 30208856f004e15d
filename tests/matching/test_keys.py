"""Skeleton keys: spellings of one name in either script reach the same key."""

import pytest

from liaison.matching import arabic, latin
from liaison.matching.normalise import normalise_arabic

SAME_KEY = [
    # (spellings that must share a key)
    ("محمد", "Mohamed", "Muhammad", "Mohammed", "Mohamad"),
    ("يوسف", "Youssef", "Yusuf", "Youcef", "Yousef"),
    ("حسين", "Hocine", "Houcine", "Hussein", "Husayn"),
    ("شريف", "Chérif", "Sharif", "Cherif"),
    ("جمال", "Djamel", "Jamal", "Gamal"),
    ("خالد", "Khaled", "Khalid"),
    ("غالي", "Ghali"),
    ("القمري", "Gomri", "Qumri", "Kamri"),
    ("وهبي", "Ouahbi", "Wahbi"),
    ("مروان", "Marouane", "Marwan"),
    ("فاطمة", "Fatima", "Fatimah", "Fatma"),
    ("صالح", "Saleh", "Salah"),
    ("عثمان", "Othmane", "Uthman", "Usman"),
    ("رضا", "Rida", "Ridha"),
    ("رضا", "Reza", "Riza"),
    ("كاظم", "Kadhim", "Kazem", "Kazim"),
    ("إسماعيل", "Ismail", "Smail", "Ismaïl"),
]


def _keys(word: str) -> set[str]:
    if any("\u0600" <= c <= "\u06ff" for c in word):
        return set(arabic.keys(normalise_arabic(word).removeprefix("ال")))
    from liaison.matching.normalise import strip_diacritics

    return set(latin.keys(strip_diacritics(word).lower()))


@pytest.mark.parametrize("spellings", SAME_KEY, ids=lambda s: s[1])
def test_spellings_share_a_skeleton_key(spellings: tuple[str, ...]) -> None:
    shared = set.intersection(*(_keys(s) for s in spellings))
    assert shared, {s: _keys(s) for s in spellings}


@pytest.mark.parametrize(("a", "b"), [("Karim", "Hakim"), ("Samir", "Amir"), ("Nabil", "Adil")])
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert not _keys(a) & _keys(b)
