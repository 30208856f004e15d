"""The review pack as a PDF, read back with Poppler (pdftotext, pdffonts): who may get it,
what it holds (the indicators in the chosen language, the actions, the notable cases, only
what the reader may see), Arabic shaped and in logical order, nothing fetched."""

from __future__ import annotations

import re
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.cooperation.models import JointCase, WorkingGroup
from liaison.core import pdf
from liaison.plan import review_pdf
from liaison.plan.models import PlanAction
from tests.plan.test_indicators import SPRING, partner_hit

pytestmark = pytest.mark.django_db

PDF = "/plan/dashboard/review-pack.pdf"
PERIOD = "?from=2026-Q1&to=2026-Q4"
# Arabic letters written as their presentation forms (what a text layer holds when the
# shaping was done by substituting code points instead of by the font).
LAM_ALEF = re.compile("(\u0644)([\u0622\u0623\u0625\u0627\u0649])")
PRESENTATION_FORMS = [chr(c) for c in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00))]


def _poppler(tool: str, content: bytes, tmp_path: Path, *args: str, out: str = "") -> str:
    """What Poppler's `tool` prints about the PDF (`out="-"`: its output file is stdout)."""
    source = tmp_path / "pack.pdf"
    source.write_bytes(content)
    command = [tool, *args, str(source), *([out] if out else [])]
    return subprocess.run(command, capture_output=True, check=True).stdout.decode()


# pdftotext marks the runs of each direction with embedding controls (RLE, LRE... PDF).
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _text(content: bytes, tmp_path: Path) -> str:
    text = _poppler("pdftotext", content, tmp_path, "-enc", "UTF-8", out="-")
    return text.translate(BIDI_CONTROLS)


def _title(language: str, english: str) -> str:
    with translation.override(language):
        translated = translation.gettext(english)
    assert translated != english, f"no {language} translation of {english!r} compiled"
    return translated


def joint_case(title: str, **extra: Any) -> JointCase:
    group, _new = WorkingGroup.objects.get_or_create(
        owner_node=settings.NODE_ID, name="Fugitifs", defaults={"theme": "fugitives"}
    )
    return JointCase.objects.create(
        owner_node=settings.NODE_ID, group=group, title=title, summary="…", **extra
    )


def test_it_is_refused_to_those_without_view_records_and_it_is_audited(
    make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    auditor = make_user("aud", "auditor")
    before = AuditEntry.objects.filter(action="permission_denied").count()
    response = login(auditor).get(PDF + PERIOD)
    assert response.status_code == 403 and not response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="permission_denied").count() == before + 1


def test_the_dashboard_links_to_the_pdf_for_its_period_in_each_language(
    lo: User, login: Callable[[User], Client]
) -> None:
    page = login(lo).get("/plan/dashboard/" + PERIOD).content.decode()
    query = "?from=2026-Q1&amp;to=2026-Q4"
    assert f'id="review-pack-pdf" href="{PDF}{query}"' in page
    for code in ("fr", "ar", "en"):
        assert f'href="{PDF}{query}&amp;lang={code}" hreflang="{code}"' in page


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(PDF)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_holds_the_figures_the_actions_and_the_cases_in_french(
    lo: User,
    wanted: dict[str, Any],
    our_action: PlanAction,
    login: Callable[[User], Client],
    tmp_path: Path,
) -> None:
    partner_hit(wanted["person"], wanted["alert"], SPRING)
    case = joint_case("Réseau Benali")
    response = login(lo).get(PDF + PERIOD + "&lang=fr")
    entry = AuditEntry.objects.get(action="consult", object_type="indicators")
    assert (entry.actor_user_id, entry.detail) == (
        lo.pk,
        {"export": "liaison-review-2026-Q1-2026-Q4-fr.pdf", "cases": [str(case.uid)]},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('liaison-review-2026-Q1-2026-Q4-fr.pdf"')
    text = " ".join(_text(response.content, tmp_path).split())
    assert _title("fr", "Review of the cooperation") in text
    for english in (
        "Records shared each way",
        "Hits on shared records and their outcomes",
        "Training sessions and participants",
    ):
        assert _title("fr", english) in text
    assert "Hits on shared records and their outcomes" not in text
    assert our_action.title in text and "Réseau Benali" in text
    assert "2026-Q1" in text and "2026-Q4" in text and "2027-Q1" not in text


def test_arabic_comes_out_shaped_right_to_left_and_in_logical_order(
    lo: User, login: Callable[[User], Client], tmp_path: Path
) -> None:
    response = login(lo).get(PDF + PERIOD + "&lang=ar")
    assert response["Content-Disposition"].endswith('-ar.pdf"')
    text = " ".join(_text(response.content, tmp_path).split())  # a title may wrap
    # The words as written (logical order, base letters): the font's glyphs, chosen by
    # HarfBuzz for each letter's place in its word, map back to the letters. Poppler
    # reverses the two letters of a lam-alef ligature (the PDF maps it in logical order:
    # the last test below), so those are compared in the order it gives them.
    for english in ("Review of the cooperation", "Records shared each way", "Actions"):
        arabic = _title("ar", english)
        assert arabic in text or LAM_ALEF.sub(r"\2\1", arabic) in text, arabic
        assert arabic[::-1] not in text
    assert _title("ar", "Review of the cooperation") in text  # no ligature in it
    assert not any(form in text for form in PRESENTATION_FORMS)
    assert "2026-Q1" in text and "Q1-2026" not in text  # the period, isolated
    assert "+Noto-Sans-Arabic " in _poppler("pdffonts", response.content, tmp_path)  # embedded


def test_ligatures_map_back_to_their_letters_in_logical_order(
    lo: User, login: Callable[[User], Client]
) -> None:
    content = login(lo).get(PDF + PERIOD + "&lang=ar").content
    mapped = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            cmap = zlib.decompress(stream)
        except zlib.error:
            continue
        for target in re.findall(rb"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]{8,})>", cmap):
            mapped.add(bytes.fromhex(target.decode()).decode("utf-16-be"))
    assert "\u0644\u0627" in mapped  # lam, alef: the ligature's letters as written
    assert "\u0627\u0644" not in mapped


def test_the_reader_s_language_is_used_when_none_or_an_unknown_one_is_asked(
    lo: User, login: Callable[[User], Client], tmp_path: Path
) -> None:
    client = login(lo)
    client.post("/i18n/setlang/", {"language": "ar"})
    response = client.get(PDF + PERIOD + "&lang=xx")
    assert response["Content-Disposition"].endswith('-ar.pdf"')
    assert _title("ar", "Review of the cooperation") in _text(response.content, tmp_path)


def test_it_leaves_out_the_h3_action_and_case_the_reader_is_not_named_on(
    our_action: PlanAction,
    make_user: Callable[..., User],
    login: Callable[[User], Client],
    tmp_path: Path,
) -> None:
    PlanAction.objects.filter(pk=our_action.pk).update(handling_code="H3")
    joint_case("Affaire ouverte")
    joint_case("Affaire secrète", handling_code="H3")
    colleague = make_user("colleague2", "analyst")
    pack = login(colleague).get(PDF + PERIOD + "&lang=fr").content
    text = " ".join(_text(pack, tmp_path).split())  # a title may wrap in its table cell
    assert "Affaire ouverte" in text
    assert "Affaire secrète" not in text and our_action.title not in text


def test_notable_cases_are_those_opened_or_changed_in_the_period(lo: User) -> None:
    from liaison.plan.indicators import Period
    from liaison.plan.queries import notable_cases

    recent, old = joint_case("Récente"), joint_case("Ancienne")
    long_ago = timezone.now().replace(year=2020)
    JointCase.objects.filter(pk=old.pk).update(created_at=long_ago, updated_at=long_ago)
    period = Period.recent()
    assert notable_cases(lo, period.start, period.end) == [recent]
    assert notable_cases(lo, Period.parse("2020-Q1", "2020-Q4").start, period.start) == [old]


def test_the_charts_are_drawn_inline_and_nothing_may_be_fetched(
    lo: User, wanted: dict[str, Any]
) -> None:
    from liaison.plan.indicators import Period

    partner_hit(wanted["person"], wanted["alert"], SPRING)
    page = review_pdf.html(lo, Period.parse("2026-Q1", "2026-Q4"))
    hits = page.split('id="indicator-hits"', 1)[1].split("</section>", 1)[0]
    # The one hit of 2026-Q2 is the widest bar: the others of its series are empty.
    assert 'style="width: 100.0%; background: #fd7e14"' in hits
    assert hits.count('class="chart-row"') == 4
    for marker in ("src=", "href=", "url(", "@import", "http:", "https:", "file:"):
        assert marker not in page
    fetcher = pdf.fetcher()
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
