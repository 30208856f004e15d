# ruff: noqa: RUF001 -- Arabic letters are data here, not look-alikes of Latin ones.
"""One set of field rules at every door: the form, the API, the notice import, the exchange.

Each bad value is tried through each door that can carry it; every door refuses it with
a message naming the problem, and nothing is written.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from joserfc.jwk import OKPKey

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.core import field_rules
from liaison.exchange import keys
from liaison.exchange.models import InboxEnvelope, Peer
from liaison.exchange.protocol import envelope_claims, sign, uuid7
from liaison.exchange.receive import receive
from liaison.registry.models import Person, Warrant
from liaison.registry.notices import import_file
from tests.test_permission_matrix import _person_form

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.localdate().year + 1

# (case, field, value, what the message must say). A form's own check of NUL bytes
# (Django's) answers first there, in its words.
PERSON_CASES = [
    ("impossible day", "birth_date", "1990-02-30", "not a real date"),
    ("year zero", "birth_date", "0000", "not a real date"),
    ("before 1900", "birth_date", "1850-06", "before 1900"),
    ("born next year", "birth_date", f"{NEXT_YEAR}-01-01", "in the future"),
    ("unknown country", "nationality", "ZZ", "ISO 3166"),
    ("NUL in a name", "full_name", "Karim\x00Benali", r"U\+0000|Null characters"),
    ("escape in a name", "full_name", "Karim\x1b[31mBenali", r"U\+001B"),
    ("right-to-left override in a name", "full_name", "Karim \u202eilaneB", r"U\+202E"),
    ("bidi isolate in a name", "full_name", "Karim \u2067Benali\u2069", r"U\+2067"),
    ("right-to-left mark in a name", "full_name", "Karim\u200f Benali", r"U\+200F"),
    ("NUL in multi-line text", "marks", "Scar on\x00 the left hand", r"U\+0000|Null characters"),
    ("bell in multi-line text", "marks", "Scar\x07 on the left hand", r"U\+0007"),
    ("override in a document number", "document", "AB\u202e1234", r"U\+202E"),
    ("unknown place of birth country", "country_of_birth", "ZZ", "ISO 3166"),
]
LISTS = {"birth_dates", "nationalities"}
# The notice format carries no identity documents.
NOT_IN_NOTICES = {"document"}


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def web(login: Callable[[User], Client], officer: User) -> Client:
    return login(officer)


@pytest.fixture
def api(officer: User) -> Client:
    return _api(officer)


@pytest.fixture
def partner(db: None) -> Callable[[str, dict[str, Any]], InboxEnvelope]:
    """The partner node fr, pinned here; sends signed envelopes through the real receiver."""
    keys.create_key(Path(settings.DATA_DIR))  # this node signs its receipts
    key = OKPKey.generate_key("Ed25519")
    x = keys.public_jwk(key)["x"]
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, public_key=x)
    seq = itertools.count(1)

    def send(message_type: str, obj: dict[str, Any]) -> InboxEnvelope:
        envelope_id = uuid7()
        claims = envelope_claims(
            envelope_id=envelope_id,
            sender="fr",
            recipient="ma",
            seq=next(seq),
            message_type=message_type,
            handling="H0",
            obj=obj,
        )
        receive(sign(claims, key).encode())
        return InboxEnvelope.objects.get(envelope_id=envelope_id)

    return send


# Person fields, door by door


def _through_form(web: Client, field: str, value: str) -> str:
    form = _person_form("H0", "Karim Benali")
    if field == "document":
        form["documents-TOTAL_FORMS"] = "1"
        form.update(
            {
                "documents-0-document_type": "passport",
                "documents-0-number": value,
                "documents-0-issuing_country": "MA",
            }
        )
    else:
        key = {
            "birth_date": "birth_dates",
            "nationality": "nationalities",
            "full_name": "names-0-full_name",
            "marks": "distinguishing_marks",
            "country_of_birth": "country_of_birth",
        }[field]
        form[key] = value
    response = web.post("/registry/persons/new/", form)
    assert response.status_code == 200
    return response.content.decode()


def _person_json(field: str, value: str) -> dict[str, Any]:
    body: dict[str, Any] = {"category": "wanted", "names": [{"full_name": "Karim Benali"}]}
    if field == "document":
        body["documents"] = [
            {"document_type": "passport", "number": value, "issuing_country": "MA"}
        ]
    elif field == "full_name":
        body["names"] = [{"full_name": value}]
    else:
        key = {
            "birth_date": "birth_dates",
            "nationality": "nationalities",
            "marks": "distinguishing_marks",
            "country_of_birth": "country_of_birth",
        }[field]
        body[key] = [value] if key in LISTS else value
    return body


def _through_api(api: Client, field: str, value: str) -> str:
    response = api.post("/api/v1/persons", _person_json(field, value), "application/json")
    assert response.status_code in (400, 422), response.content[:300]
    return json.dumps(response.json())


def _notice(field: str, value: str) -> dict[str, Any]:
    notice: dict[str, Any] = {"entity_id": "2026/1", "forename": "Karim", "name": "Benali"}
    if field == "birth_date":
        notice["date_of_birth"] = value.replace("-", "/")
    elif field == "nationality":
        notice["nationalities"] = [value]
    elif field == "full_name":
        notice["forename"] = value
    elif field == "marks":
        notice["distinguishing_marks"] = value
    elif field == "country_of_birth":
        notice["country_of_birth_id"] = value
    return notice


def _through_import(officer: User, tmp_path: Path, notice: dict[str, Any]) -> str:
    path = tmp_path / "notices.json"
    path.write_text(json.dumps({"_embedded": {"notices": [notice]}}), encoding="utf-8")
    reasons: list[str] = []
    summary = import_file(path, actor=officer, on_reject=lambda r: reasons.append(r.reason))
    assert (summary.created, summary.updated, summary.rejected) == (0, 0, 1)
    return reasons[0]


def _person_body(uid: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "uid": uid or str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "category": "wanted",
        "sex": "U",
        "names": [{"full_name": "Jean Dupont", "kind": "primary"}],
        "birth_dates": [],
        "place_of_birth": "",
        "country_of_birth": "",
        "nationalities": [],
        "distinguishing_marks": "",
        "documents": [],
        "external_ref": "",
    }
    return body | extra


def _person_body_with(field: str, value: str) -> dict[str, Any]:
    if field == "document":
        document = {"document_type": "passport", "number": value, "issuing_country": "FR"}
        return _person_body(documents=[document])
    if field == "full_name":
        return _person_body(names=[{"full_name": value, "kind": "primary"}])
    key = {
        "birth_date": "birth_dates",
        "nationality": "nationalities",
        "marks": "distinguishing_marks",
        "country_of_birth": "country_of_birth",
    }[field]
    return _person_body(**{key: [value] if key in LISTS else value})


def _through_exchange(send: Callable[..., InboxEnvelope], obj: dict[str, Any]) -> str:
    row = send(obj.pop("_type", "person.upsert"), obj)
    assert (row.status, row.reason) == ("rejected", "bad_schema")
    return row.detail


DOORS = ["form", "api", "import", "exchange"]


@pytest.mark.parametrize(
    ("door", "field", "value", "message"),
    [
        pytest.param(door, *row[1:], id=f"{row[0]}-{door}")
        for row in PERSON_CASES
        for door in DOORS
        if not (door == "import" and row[1] in NOT_IN_NOTICES)  # no such field in notices
    ],
)
def test_every_door_refuses_a_bad_person_field_and_writes_nothing(
    door: str,
    field: str,
    value: str,
    message: str,
    request: pytest.FixtureRequest,
    officer: User,
    tmp_path: Path,
) -> None:
    if door == "form":
        error = _through_form(request.getfixturevalue("web"), field, value)
    elif door == "api":
        error = _through_api(request.getfixturevalue("api"), field, value)
    elif door == "import":
        error = _through_import(officer, tmp_path, _notice(field, value))
    else:
        send = request.getfixturevalue("partner")
        error = _through_exchange(send, _person_body_with(field, value))
    assert re.search(message, error), error[:500]
    assert not Person.objects.exists()


# Warrant fields, door by door


WARRANT_CASES = [
    ("unknown issuing country", "issuing_country", "ZZ", "ISO 3166"),
    ("override in a reference", "reference", "MA-2026\u202e-0042", r"U\+202E"),
    ("NUL in the description", "offence_description", "Drug\x00 trafficking", r"U\+0000|Null"),
    ("escape in the court", "court", "Tribunal\x1b de Tanger", r"U\+001B"),
    ("only spaces as the authority", "issuing_authority", "     ", "required|spaces"),
]
# A notice's warrant has a country and a charge (the description); the rest is made here.
IN_NOTICES = {"issuing_country": "issuing_country_id", "offence_description": "charge"}

WARRANT_FORM = {
    "issuing_country": "MA",
    "issuing_authority": "Procureur du Roi, Casablanca",
    "reference": "MA-2026-0042",
    "offences": "drugs",
    "issued_on": "2026-03-01",
    "handling_code": "H0",
}


def _warrant_body(person: str, **extra: Any) -> dict[str, Any]:
    body = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "person": person,
        "status": "active",
        "issuing_country": "FR",
        "issuing_authority": "Parquet de Paris",
        "court": "",
        "reference": "FR-2026-1",
        "offences": ["drugs"],
        "offence_description": "",
        "legal_basis": "",
        "issued_on": "2026-03-01",
        "expires_on": None,
        "extradition_sought": False,
        "max_penalty_months": 120,
        "remaining_sentence_months": None,
    }
    return body | extra


@pytest.mark.parametrize(
    ("door", "field", "value", "message"),
    [
        pytest.param(door, *row[1:], id=f"{row[0]}-{door}")
        for row in WARRANT_CASES
        for door in DOORS
        if not (door == "import" and row[1] not in IN_NOTICES)  # no such field in notices
    ],
)
def test_every_door_refuses_a_bad_warrant_field_and_writes_nothing(
    door: str,
    field: str,
    value: str,
    message: str,
    request: pytest.FixtureRequest,
    officer: User,
    make_person: Callable[..., Person],
    tmp_path: Path,
) -> None:
    if door == "import":
        notice = _notice("", "") | {"arrest_warrants": [{"issuing_country_id": "MA"}]}
        notice["arrest_warrants"][0][IN_NOTICES[field]] = value
        error = _through_import(officer, tmp_path, notice)
        assert not Person.objects.exists()  # the notice is refused whole
    elif door == "exchange":
        send = request.getfixturevalue("partner")
        person = _person_body()
        assert send("person.upsert", person).status == "applied"
        body = _warrant_body(person["uid"], **{field: value})
        error = _through_exchange(send, body | {"_type": "warrant.upsert"})
    else:
        person = make_person("Karim Benali")
        if door == "form":
            page = request.getfixturevalue("web").post(
                f"/registry/persons/{person.uid}/warrants/new/", {**WARRANT_FORM, field: value}
            )
            assert page.status_code == 200
            error = page.content.decode()
        else:
            body = {**WARRANT_FORM, "offences": ["drugs"], field: value}
            del body["handling_code"]
            response = request.getfixturevalue("api").post(
                f"/api/v1/persons/{person.uid}/warrants", body, "application/json"
            )
            assert response.status_code in (400, 422), response.content[:300]
            error = json.dumps(response.json())
    assert re.search(message, error), error[:500]
    assert not Warrant.objects.exists()


# Purposes: a sentence, through the search form, the purpose page and the API


PURPOSE_CASES = [
    ("five spaces", "     "),
    ("punctuation only", "....."),
    ("digits and a word", "12345 check"),
    ("too short", "ID chk"),
    ("a NUL byte", "Border check\x00 at Tanger Med"),
    ("an escape", "Border check\x1b at Tanger Med"),
]


@pytest.mark.parametrize("door", ["search form", "purpose form", "api search", "api open"])
@pytest.mark.parametrize("purpose", [pytest.param(v, id=k) for k, v in PURPOSE_CASES])
def test_every_door_refuses_a_purpose_that_is_not_a_sentence(
    door: str,
    purpose: str,
    request: pytest.FixtureRequest,
    make_person: Callable[..., Person],
) -> None:
    person = make_person("Karim Benali")
    if door == "search form":
        page = request.getfixturevalue("web").get(
            "/registry/", {"name": "Karim Benali", "purpose": purpose}
        )
        assert page.status_code == 200 and "text-danger" in page.content.decode()
    elif door == "purpose form":
        web = request.getfixturevalue("web")
        page = web.post("/registry/purpose/", {"purpose": purpose, "next": "/registry/"})
        assert page.status_code == 200 and "text-danger" in page.content.decode()
        assert "registry_purpose" not in web.session
    else:
        path = "/api/v1/persons" if door == "api search" else f"/api/v1/persons/{person.uid}"
        query = {"name": "Karim Benali", "purpose": purpose}
        response = request.getfixturevalue("api").get(path, query)
        assert response.status_code in (400, 422) and "purpose" in response.content.decode()
    assert not AuditEntry.objects.filter(action="consult").exists()


def test_a_purpose_in_words_is_accepted_and_logged(api: Client) -> None:
    response = api.get("/api/v1/persons", {"name": "Karim Benali", "purpose": "Border check"})
    assert response.status_code == 200
    assert AuditEntry.objects.get(action="consult").purpose == "Border check"


def test_an_erasure_reason_with_a_nul_byte_is_refused_and_the_person_stays(
    supervisor: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    response = _api(supervisor).delete(f"/api/v1/persons/{person.uid}?reason=dup%00licate")
    assert response.status_code in (400, 422) and "reason" in response.content.decode()
    assert Person.objects.filter(pk=person.pk).exists()
    assert not AuditEntry.objects.filter(action="erase").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("named_recipients", ["super\x00visor"]), ("justification", "Because\x00 of the ruling")],
)
def test_other_person_inputs_that_reach_the_database_meet_the_rules(
    api: Client, field: str, value: object
) -> None:
    body = _person_json("nationality", "MA") | {field: value}
    response = api.post("/api/v1/persons", body, "application/json")
    assert response.status_code in (400, 422) and field in response.content.decode()
    assert not Person.objects.exists()


# Nothing half-applies


def test_a_bad_change_through_the_api_leaves_the_person_as_it_was(
    api: Client, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali", nationalities=["MA"], birth_dates=["1984-03-12"])
    body = _person_json("nationality", "FR") | {"birth_dates": ["1990-02-30"]}
    body["names"] = [{"full_name": "Someone Else"}]
    response = api.put(f"/api/v1/persons/{person.uid}", body, "application/json")
    assert response.status_code in (400, 422)
    stored = Person.objects.get(pk=person.pk)
    assert stored.version == 1 and stored.nationality_codes == ["MA"]
    assert [n.full_name for n in stored.names.all()] == ["Karim Benali"]
    assert [b.value for b in stored.birth_dates.all()] == ["1984-03-12"]


def test_a_bad_update_from_a_partner_leaves_its_copy_as_it_was(
    partner: Callable[..., InboxEnvelope],
) -> None:
    body = _person_body(nationalities=["FR"])
    assert partner("person.upsert", body).status == "applied"
    newer = body | {"version": 2, "nationalities": ["FR", "ZZ"], "birth_dates": ["1984"]}
    row = partner("person.upsert", newer)
    assert (row.status, row.reason) == ("rejected", "bad_schema")
    assert "nationalities.1" in row.detail and "ISO 3166" in row.detail
    copy = Person.objects.get(uid=body["uid"])
    assert copy.version == 1 and copy.nationality_codes == ["FR"]
    assert not copy.birth_dates.exists()


def test_good_values_pass_every_door(
    web: Client, api: Client, officer: User, tmp_path: Path, partner: Callable[..., Any]
) -> None:
    good = {"birth_date": "1984-02-29", "nationality": "XK", "full_name": "Léa Zoë Ó Briain"}
    form = _person_form("H0", good["full_name"])
    form.update({"birth_dates": good["birth_date"], "nationalities": good["nationality"]})
    form["distinguishing_marks"] = "Scar on the left hand\r\n\tand a tattoo"
    assert web.post("/registry/persons/new/", form).status_code == 302
    body = _person_json("nationality", "XK") | {"birth_dates": ["1984-02-29"]}
    body["names"] = [{"full_name": "محمد بن عبد الله"}, {"full_name": "مهدی\u200cزاده"}]
    assert api.post("/api/v1/persons", body, "application/json").status_code == 201
    notice = _notice("birth_date", "1984-02-29") | {"nationalities": ["xk"]}
    path = tmp_path / "notice.json"
    path.write_text(json.dumps(notice), encoding="utf-8")
    assert import_file(path, actor=officer).created == 1
    row = partner("person.upsert", _person_body(birth_dates=["1984-02-29"], nationalities=["XK"]))
    assert row.status == "applied"
    assert Person.objects.count() == 4


# The rules themselves (no database)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1984", True),
        ("1984-02", True),
        ("1984-02-29", True),
        ("1900", True),
        ("1899-12-31", False),
        ("1985-02-29", False),
        ("1984-00", False),
        ("1984-13-01", False),
        ("0000", False),
        ("1984\n", False),
        ("١٩٨٤", False),  # Arabic-Indic digits: int() would read them
        ("84", False),
        ("1984-2-3", False),
    ],
)
def test_the_date_of_birth_rule(value: str, ok: bool) -> None:
    today = date(2026, 6, 1)
    if ok:
        assert field_rules.birth_date(value, today=today) == value
    else:
        with pytest.raises(field_rules.FieldRuleError):
            field_rules.birth_date(value, today=today)


def test_a_date_of_birth_is_never_after_today() -> None:
    today = date(2026, 6, 1)
    assert field_rules.birth_date("2026-06-01", today=today)
    assert field_rules.birth_date("2026", today=today)  # some day of this year, so far
    for later in ("2026-06-02", "2026-07", "2027"):
        with pytest.raises(field_rules.FieldRuleError, match="future"):
            field_rules.birth_date(later, today=today)


def test_the_country_list_is_iso_3166_with_kosovo() -> None:
    codes = field_rules.country_codes()
    assert len(codes) == 250 and {"MA", "FR", "XK", "PS", "EH"} <= codes
    assert not {"ZZ", "UK", "EU", "XX", "ma"} & codes


@pytest.mark.parametrize(
    ("rule", "value", "ok"),
    [
        (field_rules.text, "line one\r\nline two\tindented", True),
        (field_rules.line, "one line\tand a tab", False),
        (field_rules.line, "one line\nand another", False),
        (field_rules.line, "DEL\x7f", False),
        (field_rules.line, "C1\x85", False),
        (field_rules.text, "  \n ", False),
        (field_rules.name, "مهدی\u200cزاده", True),  # ZWNJ: Persian spelling needs it
        (field_rules.name, "Ali\u200b", False),
        (field_rules.name, "\ufeffAli", False),
        (field_rules.name, "Ali\u061c", False),
        (field_rules.text, "a report \u202e with an override", True),  # free text keeps bidi
        (field_rules.purpose, "Identity check", True),
        (field_rules.purpose, "ID check", False),
    ],
)
def test_the_text_rules(rule: Callable[[str], str], value: str, ok: bool) -> None:
    if ok:
        assert rule(value) == value
    else:
        with pytest.raises(field_rules.FieldRuleError):
            rule(value)
