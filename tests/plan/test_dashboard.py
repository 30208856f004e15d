"""The dashboard (charts as SVG images, tables), and the review pack read back with
openpyxl: who may see them, what they show, right to left in Arabic."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.cooperation.models import JointCase
from liaison.plan.models import PlanAction
from tests.plan.test_indicators import SPRING, partner_hit
from tests.plan.test_review_pdf import joint_case

pytestmark = pytest.mark.django_db

PERIOD = "?from=2026-Q1&to=2026-Q4"
PAGES = [
    "/plan/dashboard/",
    "/plan/dashboard/charts/hits.svg",
    "/plan/dashboard/review-pack.xlsx",
    "/plan/dashboard/review-pack.pdf",
]


@pytest.mark.parametrize("url", PAGES)
def test_those_without_view_records_are_refused_and_it_is_audited(
    url: str, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    auditor = make_user("aud", "auditor")
    before = AuditEntry.objects.filter(action="permission_denied").count()
    assert login(auditor).get(url + PERIOD).status_code == 403
    assert AuditEntry.objects.filter(action="permission_denied").count() == before + 1


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(url: str, db: None) -> None:
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_dashboard_shows_each_figure_in_a_table_beside_its_chart(
    lo: User, wanted: dict[str, Any], login: Callable[[User], Client]
) -> None:
    partner_hit(wanted["person"], wanted["alert"], SPRING)
    client = login(lo)
    page = client.get("/plan/dashboard/" + PERIOD).content.decode()
    assert 'src="/plan/dashboard/charts/hits.svg?from=2026-Q1&amp;to=2026-Q4"' in page
    table = page.split('id="table-hits"', 1)[1].split("</table>", 1)[0]
    assert '<th scope="row"><bdi>2026-Q2</bdi></th><td>0</td><td>1</td>' in table
    assert 'alt="' in page and "<caption" in table
    assert 'href="/plan/dashboard/"' in client.get("/plan/").content.decode()


def test_a_chart_is_svg_with_no_script_under_its_own_strict_policy(
    lo: User, login: Callable[[User], Client]
) -> None:
    response = login(lo).get("/plan/dashboard/charts/shares.svg" + PERIOD)
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.lstrip().startswith("<?xml") and "<svg" in body and "<title>" in body
    assert "<script" not in body and "href=" not in body and "@import" not in body
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_an_unknown_chart_is_not_found(lo: User, login: Callable[[User], Client]) -> None:
    assert login(lo).get("/plan/dashboard/charts/nothing.svg").status_code == 404


def test_a_bad_period_falls_back_to_the_last_quarters_and_says_so(
    lo: User, login: Callable[[User], Client]
) -> None:
    from liaison.plan.indicators import Period

    page = login(lo).get("/plan/dashboard/?from=2026-Q9&to=x").content.decode()
    recent = Period.recent()
    assert f'name="from" value="{recent.first}"' in page
    assert f'name="to" value="{recent.last}"' in page
    assert "Give the period as two quarters, such as 2025-Q1." in page


def test_the_dashboard_is_right_to_left_in_arabic(
    lo: User, login: Callable[[User], Client]
) -> None:
    client = login(lo)
    client.post("/i18n/setlang/", {"language": "ar"})
    assert 'dir="rtl"' in client.get("/plan/dashboard/" + PERIOD).content.decode()


def test_the_review_pack_holds_the_figures_and_the_actions(
    lo: User,
    wanted: dict[str, Any],
    our_action: PlanAction,
    login: Callable[[User], Client],
) -> None:
    partner_hit(wanted["person"], wanted["alert"], SPRING)
    response = login(lo).get("/plan/dashboard/review-pack.xlsx" + PERIOD)
    assert response["Content-Disposition"].endswith('liaison-review-2026-Q1-2026-Q4.xlsx"')
    book = load_workbook(BytesIO(response.content))
    hits = next(
        s
        for s in book.worksheets
        if "hits" in str(s["A1"].value).lower() or "Hits" in str(s["A1"].value)
    )
    rows = {r[0]: r[1:] for r in hits.iter_rows(min_row=5, values_only=True) if r[0]}
    assert rows["2026-Q2"][:2] == (0, 1)
    assert set(rows) == {"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}
    actions = book.worksheets[-2]
    titles = [row[1] for row in actions.iter_rows(min_row=2, values_only=True)]
    assert titles == [our_action.title]
    assert not book.worksheets[0].sheet_view.rightToLeft


def test_the_review_pack_reads_right_to_left_in_arabic(
    lo: User, login: Callable[[User], Client]
) -> None:
    client = login(lo)
    client.post("/i18n/setlang/", {"language": "ar"})
    book = load_workbook(BytesIO(client.get("/plan/dashboard/review-pack.xlsx").content))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)


def test_the_review_pack_leaves_out_h3_actions_and_cases_the_reader_is_not_named_on(
    our_action: PlanAction, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    PlanAction.objects.filter(pk=our_action.pk).update(handling_code="H3")
    joint_case("Affaire ouverte")
    joint_case("Affaire secrète", handling_code="H3")
    colleague = make_user("colleague2", "analyst")
    book = load_workbook(BytesIO(login(colleague).get("/plan/dashboard/review-pack.xlsx").content))
    assert list(book.worksheets[-2].iter_rows(min_row=2, values_only=True)) == []
    cases = [row[0] for row in book.worksheets[-1].iter_rows(min_row=2, values_only=True)]
    assert cases == ["Affaire ouverte"]
    # The download is a consultation, naming the cases the file holds and no other.
    entry = AuditEntry.objects.get(action="consult", object_type="indicators")
    assert entry.actor_user_id == colleague.pk
    opened = JointCase.objects.get(title="Affaire ouverte")
    assert entry.detail["cases"] == [str(opened.uid)]
    assert entry.detail["export"].endswith(".xlsx")


def test_the_api_gives_the_same_figures_as_the_dashboard(lo: User, wanted: dict[str, Any]) -> None:
    from tests.plan.conftest import api

    partner_hit(wanted["person"], wanted["alert"], SPRING)
    response = api(lo).get("/api/v1/indicators?from=2026-Q1&to=2026-Q4")
    assert response.status_code == 200
    hits = next(i for i in response.json() if i["key"] == "hits")
    assert hits["rows"] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert hits["values"][1][:2] == [0, 1] and hits["by"] == "quarter"


@pytest.mark.parametrize(
    "query", ["from=2026-Q4&to=2026-Q1", "from=2026-Q5&to=2026-Q6", "from=2026-Q1"]
)
def test_the_api_refuses_a_bad_period(lo: User, query: str) -> None:
    from tests.plan.conftest import api

    response = api(lo).get(f"/api/v1/indicators?{query}")
    assert response.status_code == 400 and response.json()["detail"]


def test_the_api_refuses_the_indicators_to_an_auditor(make_user: Callable[..., User]) -> None:
    from tests.plan.conftest import api

    assert api(make_user("aud2", "auditor")).get("/api/v1/indicators").status_code == 403


def test_the_charts_run_right_to_left_in_arabic(lo: User, login: Callable[[User], Client]) -> None:
    client = login(lo)
    english = client.get("/plan/dashboard/charts/trainings.svg" + PERIOD).content.decode()
    assert english.index(">2026-Q1<") < english.index(">2026-Q4<")
    client.post("/i18n/setlang/", {"language": "ar"})
    arabic = client.get("/plan/dashboard/charts/trainings.svg" + PERIOD).content.decode()
    assert arabic.index(">2026-Q4<") < arabic.index(">2026-Q1<")


def test_the_indicators_cost_the_same_queries_however_much_data(
    lo: User, wanted: dict[str, Any], our_action: PlanAction, django_assert_num_queries: Any
) -> None:
    from liaison.plan import indicators
    from liaison.plan.indicators import Period
    from tests.plan.test_indicators import _executed

    PlanAction.objects.filter(pk=our_action.pk).update(status="done")
    _executed(lo, wanted["warrant"])
    period = Period("2026-Q1", "2026-Q4")
    partner_hit(wanted["person"], wanted["alert"], SPRING)
    with django_assert_num_queries(QUERIES):
        indicators.compute(lo, period)
    for month in (2, 8, 9):
        partner_hit(wanted["person"], None, SPRING.replace(month=month))
    with django_assert_num_queries(QUERIES):
        indicators.compute(lo, period)


# shares 3, delivery 1, hits 1, warrants 3 (warrants, their audit entries, partners' hits),
# requests 1, screening 2, trainings 1, assistance 1, actions 2 (actions, their versions).
QUERIES = 15


def test_the_dashboard_and_the_review_pack_show_arrests_extraditions_and_refusals(
    lo: User, wanted: dict[str, Any], login: Callable[[User], Client]
) -> None:
    from datetime import date

    from liaison.registry.models import Hit
    from tests.plan.test_indicators import _request

    hit = partner_hit(wanted["person"], wanted["alert"], SPRING, disposition="confirmed")
    Hit.objects.filter(pk=hit.pk).update(
        outcome="extradited", outcome_on=date(2026, 7, 1), arrested_on=date(2026, 5, 13)
    )
    _request(lo, 10, "refused", category="insufficient")
    client = login(lo)
    page = client.get("/plan/dashboard/" + PERIOD).content.decode()
    hits = page.split('id="table-hits"', 1)[1].split("</table>", 1)[0]
    assert "Arrested" in hits and "Extradited" in hits
    spring = hits.split("2026-Q2", 1)[1].split("</tr>", 1)[0]
    assert spring.endswith("<td>1</td><td>1</td>")  # arrested, extradited
    refusals = page.split('id="table-refusals"', 1)[1].split("</table>", 1)[0]
    assert "Insufficient information" in refusals
    assert client.get("/plan/dashboard/charts/refusals.svg" + PERIOD).status_code == 200
    book = load_workbook(BytesIO(client.get("/plan/dashboard/review-pack.xlsx" + PERIOD).content))
    sheet = next(s for s in book.worksheets if "by reason" in str(s["A1"].value))
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    assert rows["Insufficient information"][:2] == (1, 0)


def test_the_arabic_review_pack_cover_writes_the_period_in_words(
    lo: User, login: Callable[[User], Client]
) -> None:
    client = login(lo)
    client.post("/i18n/setlang/", {"language": "ar"})
    book = load_workbook(BytesIO(client.get("/plan/dashboard/review-pack.xlsx" + PERIOD).content))
    cover = book.worksheets[0]
    assert cover.sheet_view.rightToLeft
    assert (cover.title, cover["A3"].value) == ("المراجعة", "الفترة")
    with translation.override("ar"):
        first, last = gettext("Q%(number)s %(year)s"), gettext("%(first)s to %(last)s")
    quarter = {"number": "1", "year": "2026"}
    expected = last % {"first": first % quarter, "last": first % (quarter | {"number": "4"})}
    assert cover["B3"].value == expected
    assert cover["B3"].value.startswith("من ") and "-Q" not in cover["B3"].value
