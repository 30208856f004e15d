from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.registry.actions import DocumentData, update_person
from liaison.registry.models import Person, Warrant
from liaison.registry.notices import (
    NoticeError,
    NoticeFileError,
    offence_categories,
    parse_notice,
    scan,
)

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 5, 4)


def run(path: Path, actor: str = "officer") -> tuple[int, str, str]:
    """Run the command as the CLI would; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import-notices", str(path), actor=actor, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"{exc}\n")
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def person(entity_id: str) -> Person:
    return Person.objects.get(external_ref=entity_id)


@pytest.mark.django_db
def test_a_page_of_notices_is_imported(officer: User) -> None:
    status, out, _err = run(DATA / "notices_page.json")
    assert (status, out.strip()) == (0, "created 2, updated 0, rejected 0")
    karim = person("2019/10001")
    assert str(karim) == "KARIM BENSALEM"
    (name,) = karim.names.all()
    assert (name.given_names, name.family_name, name.script) == ("KARIM", "BENSALEM", "latn")
    assert [b.value for b in karim.birth_dates.all()] == ["1983-07-14"]
    assert karim.nationality_codes == ["FR", "MA"]
    assert (karim.category, karim.handling_code, karim.created_by) == ("wanted", "H0", officer)
    (warrant,) = person("2021/20002").warrants.all()
    assert warrant.reference == "2021/20002/1"
    assert warrant.issuing_authority == "INTERPOL notice"
    assert warrant.offences == ["drugs"]
    assert "Drug trafficking by an organised gang" in warrant.offence_description


@pytest.mark.django_db
def test_a_list_of_notices_is_imported(officer: User) -> None:
    assert run(DATA / "notices_list.json")[0] == 0
    tomas = person("2020/30003")
    assert [b.value for b in tomas.birth_dates.all()] == ["1977-11"]
    assert str(person("2022/40004")) == "OKONKWO-VALE"
    assert person("2022/40004").birth_dates.count() == 0


@pytest.mark.django_db
def test_a_single_notice_object_is_imported_with_its_warrants(officer: User) -> None:
    assert run(DATA / "notice_single.json")[0] == 0
    younes = person("2018/50005")
    assert (younes.sex, younes.place_of_birth, younes.country_of_birth) == ("M", "Tanger", "MA")
    assert younes.distinguishing_marks == "Scar on the left forearm"
    warrants = {w.reference: w for w in younes.warrants.all()}
    assert set(warrants) == {"2018/50005/1", "2018/50005/2"}
    assert warrants["2018/50005/1"].offences == ["homicide"]
    assert warrants["2018/50005/2"].offences == ["money_laundering"]
    assert warrants["2018/50005/2"].issuing_country == "BE"


@pytest.mark.django_db
def test_a_file_with_a_byte_order_mark_is_imported(officer: User, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "notices_list.json").read_bytes())
    assert run(path)[0] == 0
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_bad_notices_are_reported_with_their_position_and_good_ones_imported(
    officer: User,
) -> None:
    status, out, err = run(DATA / "notices_partly_bad.json")
    assert status == 1
    assert out.strip() == "created 2, updated 0, rejected 6"
    assert sorted(Person.objects.values_list("external_ref", flat=True)) == [
        "2023/60001",
        "2023/60008",
    ]
    lines = err.splitlines()
    assert "notice [1]: not an object but str" in lines
    assert "notice [2]: entity_id is missing" in lines
    assert "notice [3] (entity_id 2023/60004): both forename and name are missing" in lines
    assert any(
        line.startswith("notice [4] (entity_id 2023/60005): date_of_birth") for line in lines
    )
    assert any("notice [5] (entity_id 2023/60006): nationalities 'MAR'" in line for line in lines)
    assert any(
        "notice [6] (entity_id 2023/60007): arrest_warrants[0]: issuing_country_id" in line
        for line in lines
    )


@pytest.mark.django_db
def test_a_rejected_notice_leaves_nothing_half_written(officer: User, tmp_path: Path) -> None:
    path = tmp_path / "half.json"
    path.write_text(
        '[{"entity_id": "2023/1", "name": "HALF", "arrest_warrants": [{"charge": "x", '
        '"issuing_country_id": "FR"}, {"charge": "y", "issuing_country_id": "QQ"}]}]'
    )
    assert run(path)[0] == 1
    assert not Person.objects.exists()
    assert not Warrant.objects.exists()


@pytest.mark.django_db
def test_a_truncated_file_imports_nothing_not_even_its_complete_notices(
    officer: User, tmp_path: Path
) -> None:
    text = (DATA / "notices_page.json").read_text()
    path = tmp_path / "truncated.json"
    path.write_text(text[: text.index('"entity_id": "2021/20002"')])
    status, _out, err = run(path)
    assert status == 2
    assert "is not valid UTF-8 JSON (parse error: premature EOF)" in err
    assert "nothing was imported" in err
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(action="collect").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'"just a string"',
        b"[]]",
        b'{"_embedded": {"notices": {}}}',
        b"\xff\xfe[]",
        b'[{"entity_id": "1", "name": "CL\xe9MENT"}]',
    ],
    ids=["empty", "scalar", "trailing-garbage", "notices-not-a-list", "utf16-bom", "latin-1"],
)
def test_malformed_files_are_refused_before_reading_notices(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(NoticeFileError):
        scan(path)


@pytest.mark.django_db
def test_a_missing_file_is_refused(officer: User, tmp_path: Path) -> None:
    status, _out, err = run(tmp_path / "nowhere.json")
    assert status == 2 and "cannot read" in err


@pytest.mark.django_db
def test_a_reimport_updates_without_duplicating(officer: User) -> None:
    run(DATA / "notices_page.json")
    run(DATA / "notice_single.json")
    counts = (Person.objects.count(), Warrant.objects.count())
    status, out, _err = run(DATA / "notices_page.json")
    assert (status, out.strip()) == (0, "created 0, updated 2, rejected 0")
    assert run(DATA / "notice_single.json")[0] == 0
    assert (Person.objects.count(), Warrant.objects.count()) == counts
    assert person("2019/10001").version == 2
    alters = AuditEntry.objects.filter(action="alter", object_type="person")
    assert alters.count() == 3


@pytest.mark.django_db
def test_a_reimport_keeps_what_officers_recorded_locally(officer: User) -> None:
    run(DATA / "notice_single.json")
    younes = person("2018/50005")
    from tests.registry.conftest import person_data

    data = person_data("YOUNES EL HAMDAOUI", "يونس الحمداوي", external_ref="2018/50005")
    data.names[1].kind = "transliteration"
    data.documents = [DocumentData("passport", "QX0000001", "MA")]
    data.handling_code = "H1"
    update_person(actor=officer, person=younes, data=data)
    assert run(DATA / "notice_single.json")[0] == 0
    younes = person("2018/50005")
    assert younes.handling_code == "H1"
    assert sorted(n.full_name for n in younes.names.all()) == [
        "YOUNES EL HAMDAOUI",
        "يونس الحمداوي",
    ]
    assert younes.documents.count() == 1
    assert [b.value for b in younes.birth_dates.all()] == ["1986-02-03"]


@pytest.mark.django_db
def test_an_unknown_actor_is_refused_before_anything_is_read(officer: User) -> None:
    status, _out, err = run(DATA / "notices_page.json", actor="nobody")
    assert status == 2 and "No active user named 'nobody'" in err
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_an_actor_who_may_not_create_records_is_refused(analyst: User) -> None:
    status, _out, err = run(DATA / "notices_page.json", actor="analyst")
    assert status == 2 and "analyst may not import notices" in err
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_arabic_script_names_are_imported_with_their_script(officer: User) -> None:
    assert run(DATA / "notices_arabic.json")[0] == 0
    (name,) = person("2024/70007").names.all()
    assert (name.full_name, name.script) == ("يوسف العمراني", "arab")
    assert (name.given_names, name.family_name) == ("يوسف", "العمراني")
    assert person("2024/70007").warrants.get().offences == ["drugs"]


@pytest.mark.django_db
def test_the_import_is_audited_as_the_actor(officer: User) -> None:
    run(DATA / "notice_single.json")
    entries = AuditEntry.objects.filter(action="collect").order_by("seq")
    assert [e.object_type for e in entries] == ["person", "warrant", "warrant"]
    assert {(e.actor_username, e.origin) for e in entries} == {("officer", "import-notices")}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1984/03/12", ["1984-03-12"]), ("1984/03", ["1984-03"]), ("1984", ["1984"]), (None, [])],
)
def test_dates_of_birth_may_be_partial(value: str | None, expected: list[str]) -> None:
    notice = parse_notice({"entity_id": "1", "name": "X", "date_of_birth": value}, today=TODAY)
    assert notice.person.birth_dates == expected


@pytest.mark.parametrize(
    "value", ["1984-03-12", "1984/02/30", "84", "1984/3/1", 1984, "2026/06", "0000"]
)
def test_malformed_dates_of_birth_are_refused(value: object) -> None:
    with pytest.raises(NoticeError, match="date_of_birth"):
        parse_notice({"entity_id": "1", "name": "X", "date_of_birth": value}, today=TODAY)


@pytest.mark.parametrize(
    ("charge", "expected"),
    [
        ("Murder", ["homicide"]),
        ("Trafic de stupéfiants", ["drugs"]),
        ("Terrorism financing; money laundering", ["terrorism", "money_laundering"]),
        ("Kidnapping of a minor", ["kidnapping"]),
        ("Armed robbery", ["robbery"]),
        ("Escroquerie en bande organisée", ["fraud"]),
        ("Theft", ["other"]),
        ("", ["other"]),
    ],
)
def test_charges_map_to_offence_categories_only_when_clear(
    charge: str, expected: list[str]
) -> None:
    assert offence_categories(charge) == expected


def test_a_warrant_without_an_issue_date_is_dated_by_the_import() -> None:
    raw = {"entity_id": "9", "name": "X", "arrest_warrants": [{"issuing_country_id": "FR"}]}
    (warrant,) = parse_notice(raw, today=TODAY).warrants
    assert (warrant.issued_on, warrant.offences, warrant.reference) == (TODAY, ["other"], "9/1")
