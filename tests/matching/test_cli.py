# ruff: noqa: RUF001 -- Arabic letters are data here, not look-alikes of Latin ones.
"""The pure functions behind `liaison match` and `liaison screen`."""

import csv
import io
import json
from pathlib import Path

import pytest

from liaison.matching.cli import (
    InputError,
    decode,
    load_watchlist,
    match_json,
    read_identities,
    screen_csv,
)

WATCHLIST_CSV = (
    "id,name,date_of_birth,nationality,sex\nw1,يوسف الشريف,1980-05-17,MA,M\nw2,Jean Dupont,,FR,\n"
)


def test_match_prints_score_and_evidence() -> None:
    out = json.loads(match_json("Youssef Chérif", "يوسف الشريف", "1980-05-07", "1980-07-05"))
    assert out["score"] == 1.0
    assert out["factors"][0]["detail"].endswith("day and month swapped")


def test_match_rejects_a_bad_date() -> None:
    with pytest.raises(ValueError):
        match_json("A B", "C D", "1980-13-45")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("name\nمحمد\n".encode(), "utf-8"),
        ("\ufeffname\nمحمد\n".encode(), "utf-8"),
        ("name\nمحمد\n".encode("cp1256"), "cp1256"),
    ],
)
def test_it_reads_utf8_with_or_without_bom_and_windows_1256(data: bytes, encoding: str) -> None:
    text, used = decode(data)
    assert used == encoding
    [(_, identity)] = list(read_identities(text))
    assert identity.names == ("محمد",)  # type: ignore[union-attr]


def test_bad_rows_are_reported_with_line_and_reason_and_the_rest_goes_on() -> None:
    text = (
        "name,date_of_birth,sex,nationality\n"
        "Youssef Cherif,1980-05-17,M,MA\n"
        ",1980,M,MA\n"
        "Ali Ben Ali,1980-13-01,M,MA\n"
        "Ali Ben Ali,1980,X,MA\n"
        "Ali Ben Ali,1980,M,Morocco\n"
        "Too,many,fields,here,now\n"
        "Karim Benali,,,\n"
    )
    items = list(read_identities(text))
    errors = [(line, str(e)) for line, e in items if not hasattr(e, "names")]
    assert [line for line, _ in errors] == [3, 4, 5, 6, 7]
    assert "name is empty" in errors[0][1]
    assert "month" in errors[1][1]
    assert len(items) - len(errors) == 2


def test_screen_writes_candidate_hits_with_evidence(tmp_path: Path) -> None:
    (tmp_path / "watch.csv").write_text(WATCHLIST_CSV, encoding="utf-8")
    query = "name,date_of_birth\nYusuf al-Sharif,1980\nبيار مارتان,\n,1990\n"
    (tmp_path / "in.csv").write_bytes(query.encode("cp1256"))
    errors = io.StringIO()
    watchlist = load_watchlist(tmp_path / "watch.csv", lambda e: errors.write(str(e)))
    out = io.StringIO()
    summary = screen_csv(
        tmp_path / "in.csv", out, watchlist, threshold=0.8, errors=errors, progress=False
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert summary.encoding == "cp1256" and summary.bad_rows == 1 and summary.hits == 1
    assert rows[0]["watchlist_id"] == "w1" and rows[0]["query_line"] == "2"
    assert json.loads(rows[0]["evidence"])["names"]["pairs"]
    assert "in.csv: line 4: name is empty" in errors.getvalue()


def test_watchlist_rows_need_unique_ids(tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_text("id,name\nw1,Ali Ben Ali\n,Omar\nw1,Omar\n", encoding="utf-8")
    errors: list[str] = []
    watchlist = load_watchlist(tmp_path / "w.csv", lambda e: errors.append(str(e)))
    assert [w.id for w in watchlist] == ["w1"]
    assert errors == ["line 3: id is empty", "line 4: duplicate id 'w1'"]


def test_it_refuses_a_field_over_the_csv_limit_naming_its_line(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("name\nAli\nBob\n" + "x" * 131_073 + "\nZed\n")
    out = io.StringIO()
    with pytest.raises(InputError, match=r"^line 4: field larger than field limit \(131072\)$"):
        screen_csv(tmp_path / "in.csv", out, [], errors=io.StringIO(), progress=False)
    assert out.getvalue() == ""


def test_it_refuses_a_binary_file_naming_the_line_of_its_first_nul_byte(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(b"name\nAli\n\x89PNG\x00\x01\x02\xff")
    out = io.StringIO()
    with pytest.raises(InputError, match=r"^line 3: a NUL byte; this is a binary or UTF-16"):
        screen_csv(tmp_path / "in.csv", out, [], errors=io.StringIO(), progress=False)
    assert out.getvalue() == ""


def test_it_refuses_a_file_without_a_name_column(tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_text("id,nom\nw1,Ali Ben Ali\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: the header has no 'name' column"):
        load_watchlist(tmp_path / "w.csv", lambda e: None)


def test_screen_output_cells_never_act_as_spreadsheet_formulas(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://evil.example","Jean Dupont")'
    row = '"' + formula.replace('"', '""') + '"'
    (tmp_path / "watch.csv").write_text(f"id,name\n@w1,{row}\n", encoding="utf-8")
    (tmp_path / "in.csv").write_text(f"id,name\n-7,{row}\n", encoding="utf-8")
    watchlist = load_watchlist(tmp_path / "watch.csv", lambda e: None)
    out = io.StringIO()
    screen_csv(tmp_path / "in.csv", out, watchlist, errors=io.StringIO(), progress=False)
    [hit] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert hit["query_name"] == hit["watchlist_name"] == f"'{formula}"
    assert (hit["query_id"], hit["watchlist_id"]) == ("'-7", "'@w1")
    assert json.loads(hit["evidence"])["names"]["a"] == formula  # JSON cells start with {
