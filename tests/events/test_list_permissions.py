"""Who may see, upload, screen and decide: the table in docs/permissions.md, through the
pages; and a denial for every page and endpoint (anonymous, other node, H3 event)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import Agency, User
from liaison.audit.models import AuditEntry
from liaison.core.server import body_limit
from liaison.events.accreditation import map_columns, upload_list
from liaison.events.actions import EventData, create_event
from liaison.events.models import AccreditationList, Candidate, Event, ListStatus
from liaison.events.tables import Mapping
from liaison.registry.models import Person
from tests.conftest import current_code

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
STEPS = ["see", "upload", "screen", "decide", "report"]
SECTION = (
    DOC.read_text().split("## Accreditation lists and the review queue", 1)[1].split("\n## ")[0]
)
ROWS = re.findall(r"^\| (\w+) \|((?: (?:yes|no) \|){5})$", SECTION, re.M)
TABLE = [
    (role, step, answer.strip() == "yes")
    for role, answers in ROWS
    for step, answer in zip(STEPS, answers.split("|")[:-1], strict=True)
]


def test_the_table_covers_every_role_and_step() -> None:
    assert len(TABLE) == 6 * 5


@pytest.fixture
def screened(
    officer: User,
    event: Event,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
) -> AccreditationList:
    watched("Karim Benali", dob="1984-03-12")
    lst = upload_list(
        actor=officer,
        event=event,
        name="Staff",
        purpose="Accreditation",
        file_name="s.csv",
        data=b"name,dob\nKarim Benali,1984-03-12\nJean Lefebvre,1970\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        map_columns(actor=officer, lst=lst, mapping=Mapping(names=[0], date_of_birth=1))
    lst.refresh_from_db()
    assert lst.candidates.count() == 1
    return lst


def _client(user: User) -> Client:
    client = Client()
    client.post(
        "/accounts/login/", {"username": user.username, "password": "correct horse battery staple"}
    )
    client.post("/accounts/2fa/", {"token": current_code(user)})
    return client


def _file() -> io.BytesIO:
    upload = io.BytesIO(b"name\nA B\n")
    upload.name = "a.csv"
    return upload


def _try(step: str, client: Client, lst: AccreditationList) -> tuple[int, bool]:
    """(status, whether it changed anything)."""
    base = f"/events/{lst.event.uid}/lists/{lst.uid}/"
    candidate = lst.candidates.get()
    if step == "see":
        one, two = client.get(base), client.get(f"{base}candidates/")
        assert one.status_code == two.status_code
        return one.status_code, False
    if step == "upload":
        before = AccreditationList.objects.count()
        form = {"purpose": "Accreditation", "file": _file()}
        response = client.post(f"/events/{lst.event.uid}/lists/new/", form)
        return response.status_code, AccreditationList.objects.count() != before
    if step == "report":
        before = AuditEntry.objects.filter(action="consult").count()
        response = client.get(f"/events/{lst.event.uid}/report/")
        return response.status_code, AuditEntry.objects.filter(action="consult").count() != before
    if step == "screen":
        response = client.post(f"{base}screen/")
        return response.status_code, AccreditationList.objects.get(pk=lst.pk).run != lst.run
    response = client.post(f"{base}candidates/{candidate.pk}/clear/", {"reason": "Not him"})
    return response.status_code, Candidate.objects.get(pk=candidate.pk).status != "pending"


@pytest.mark.parametrize(("role", "step", "expected"), TABLE)
def test_the_pages_enforce_the_table(
    screened: AccreditationList,
    make_user: Callable[..., User],
    role: str,
    step: str,
    expected: bool,
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = make_user(f"{role}-2", role)
    client = _client(user)
    with django_capture_on_commit_callbacks(execute=True):
        status, changed = _try(step, client, screened)
    if expected:
        assert status in (200, 302) and changed == (step != "see")  # report: a consultation
    else:
        assert status in (403, 404) and not changed
        assert AuditEntry.objects.filter(action="permission_denied").exists() or status == 404


URLS = [
    ("get", "lists/new/"),
    ("post", "lists/new/"),
    ("get", "L"),
    ("post", "Lcolumns/"),
    ("post", "Lcancel/"),
    ("post", "Lscreen/"),
    ("get", "Lcandidates/"),
    ("post", "Lcandidates/C/confirm/"),
    ("post", "Lcandidates/C/clear/"),
    ("post", "Lcandidates/C/reject/"),
    ("get", "report/"),
    ("get", "report.csv"),
    ("get", "report.pdf"),
    ("post", "four-eyes/"),
]


def _url(lst: AccreditationList, path: str) -> str:
    path = path.replace("L", f"lists/{lst.uid}/", 1) if path.startswith("L") else path
    return f"/events/{lst.event.uid}/" + path.replace("C", str(lst.candidates.get().pk))


@pytest.mark.parametrize(("method", "path"), URLS)
def test_every_page_refuses_anonymous_visitors_and_accounts_of_another_node(
    screened: AccreditationList,
    partner_agency: Agency,
    make_user: Callable[..., User],
    method: str,
    path: str,
) -> None:
    url = _url(screened, path)
    response = getattr(Client(), method)(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    stranger = _client(make_user("stranger", "officer", agency=partner_agency))
    assert getattr(stranger, method)(url).status_code in (403, 404)
    assert AccreditationList.objects.count() == 1 and screened.candidates.get().status == "pending"


@pytest.mark.parametrize(("method", "path"), URLS)
def test_an_h3_event_hides_its_lists_from_those_not_named(
    supervisor: User,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
    watched: Callable[..., Person],
    method: str,
    path: str,
) -> None:
    watched("Karim Benali", dob="1984-03-12")
    data = EventData(
        name="Secret",
        starts_on=date(2030, 6, 1),
        ends_on=date(2030, 7, 1),
        host_node="ma",
        handling_code="H3",
    )
    event = create_event(actor=supervisor, data=data)
    lst = upload_list(
        actor=supervisor,
        event=event,
        name="S",
        purpose="P",
        file_name="s.csv",
        data=b"name\nKarim Benali\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        map_columns(actor=supervisor, lst=lst, mapping=Mapping(names=[0]))
    officer = _client(make_user("other-officer", "officer"))
    assert getattr(officer, method)(_url(lst, path)).status_code == 404


def test_a_list_the_user_may_not_see_is_a_404_even_in_a_visible_event(
    screened: AccreditationList, officer: User, make_user: Callable[..., User]
) -> None:
    other = create_event(
        actor=officer,
        data=EventData(
            name="Other", starts_on=date(2030, 6, 1), ends_on=date(2030, 7, 1), host_node="ma"
        ),
    )
    client = _client(officer)
    assert client.get(f"/events/{other.uid}/lists/{screened.uid}/").status_code == 404
    assert screened.status == ListStatus.DONE


def test_the_upload_page_takes_a_file_up_to_the_list_limit(settings: Any) -> None:
    settings.LIST_MAX_BYTES = 10 * 1024 * 1024
    path = "/events/6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01/lists/new/"
    assert body_limit(path) == 10 * 1024 * 1024 + 64 * 1024
    api = "/api/v1/events/6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01/lists"
    assert body_limit(api) == body_limit(path)
    assert body_limit(f"{api}/6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01/columns") < body_limit(path)
    assert body_limit("/events/new/") == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
