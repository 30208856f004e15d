from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.test import Client

import liaison

LOCALE = Path(liaison.__file__).parent / "locale"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_string_is_translated(language: str) -> None:
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    # Keyed with the context: "Closed" of a case (feminine) is not "Closed" of a group.
    source = {
        (e.msgctxt, e.msgid): e.msgstr
        for e in polib.pofile(str(folder / "django.po"))
        if not e.msgid_plural
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr
        for e in polib.mofile(str(folder / "django.mo"))
        if not e.msgid_plural
    }
    assert compiled == source, "run `make messages` to recompile"


@pytest.mark.django_db
def test_arabic_turns_the_page_right_to_left() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page
    assert "bootstrap.rtl.min.css" in page


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [("fr", "Connexion"), ("en", "Sign in")])
def test_french_and_english_stay_left_to_right(language: str, text: str) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": language})
    page = client.get("/accounts/login/").content.decode()
    assert f'<html lang="{language}" dir="ltr">' in page and text in page


@pytest.mark.django_db
def test_an_unknown_language_is_ignored() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert 'dir="ltr"' in client.get("/accounts/login/").content.decode()
