"""Property-based fuzz of the CSV path: never crashes, never loses an accepted row.

Examples per test: env ``UNCOUNTED_FUZZ_EXAMPLES`` (default 100; ``make fuzz`` raises it).
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.conftest import mapping
from uncounted.exceptions import IngestError
from uncounted.ingest import ingest_file
from uncounted.ingest.dates import DateProblem, parse_date
from uncounted.ingest.values import ValueProblem, parse_age
from uncounted.store import Store

N = int(os.environ.get("UNCOUNTED_FUZZ_EXAMPLES", "100"))
COLS = ["id", "surname", "name", "age", "date", "status"]
SPECIAL = ';,"\'\n\r\t |'
_LINEBREAK = re.compile(r"\r\n|\r|\n")

nasty_text = st.text(
    alphabet=st.one_of(st.sampled_from(list(SPECIAL)), st.characters(min_codepoint=0x410, max_codepoint=0x44F),
                       st.characters(codec="utf-8", exclude_characters="\x00")),
    max_size=30)
huge = st.integers(min_value=1_000, max_value=40_000).map(lambda n: "Щ" * n)
cell = st.one_of(
    st.just(""), nasty_text, huge,
    st.sampled_from(["Иванов", "Петров-Водкин", "O'Brien", "Ёлкин", "Итого", "Всего: 5",
                     "id", "surname"]),
    st.integers(-10, 200).map(str),
    st.sampled_from(["01.03.2022", "31.02.2022", "1 марта", "March 9, 2022", "1–3 марта",
                     "2022", "03.2022", "вчера", "1 ſept 2022"]),
    st.sampled_from(["убит", "KIA", "груз 200", "ранен", "отпуск", ""]),
)
row = st.lists(cell, min_size=6, max_size=6)
ragged_row = st.lists(cell, min_size=0, max_size=8)
rows = st.lists(st.one_of(row, row, row, ragged_row), min_size=0, max_size=25)


def _write(data: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(COLS)
    for r in data:
        w.writerow(r)
    return buf.getvalue()


def _expected(data: list[list[str]]) -> dict[int, list[str]]:
    """Physical start line -> row, for the rows that are not blank."""
    out: dict[int, list[str]] = {}
    line = 2
    for r in data:
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerow(r)
        if any(c.strip() for c in r):
            out[line] = r
        line += len(_LINEBREAK.findall(buf.getvalue()))
    return out


@pytest.fixture(scope="module")
def fuzz_store():
    with Store(":memory:") as s:   # one store for all examples (migrations are the slow part)
        yield s


_counter = itertools.count()


@pytest.mark.fuzz
@settings(max_examples=N, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=rows)
def test_csv_fuzz_never_crashes_never_loses_rows(tmp_path_factory, fuzz_store: Store,
                                                 data: list[list[str]]) -> None:
    p = tmp_path_factory.mktemp("fuzz") / "list.csv"
    p.write_text(_write(data), encoding="utf-8", newline="")
    expected = _expected(data)
    store = fuzz_store
    source = f"fuzz{next(_counter)}"   # a fresh source: no supersession across examples
    try:
        r = ingest_file(store, p, source=source, mapping=mapping(), batch_size=7)
    except IngestError:
        pytest.fail("a file with a valid header must not fail as a whole")
    i = r.ingest_id
    n_rec = store.scalar("SELECT count(*) FROM records WHERE ingest_id = ?", [i])
    n_q = store.scalar("SELECT count(*) FROM quarantine WHERE ingest_id = ?", [i])
    assert r.n_accepted == n_rec and r.n_quarantined == n_q
    assert r.n_accepted + r.n_quarantined == len(expected)
    lines = [x[0] for x in store.con.execute(
        "SELECT line_no FROM records WHERE ingest_id = ? UNION ALL "
        "SELECT line_no FROM quarantine WHERE ingest_id = ?", [i, i]).fetchall()]
    assert sorted(lines) == sorted(expected)          # every row exactly once
    assert store.scalar("SELECT count(*) FROM quarantine WHERE kind = 'internal_error'") == 0
    for rid, fam, giv, line in store.con.execute(
            "SELECT record_id, family_name, given_name, line_no FROM records WHERE ingest_id = ?",
            [i]).fetchall():
        src = expected[line]
        assert rid == (src[0].strip() or f"L{line}")
        assert fam == (src[1].strip() or None)
        assert giv == (src[2].strip() or None)


@pytest.mark.fuzz
@settings(max_examples=N * 3, deadline=None)
@given(text=st.one_of(st.text(max_size=40), nasty_text))
def test_value_parsers_raise_only_their_own_errors(text: str) -> None:
    try:
        d = parse_date(text, ("auto",), 2022)
        assert d is None or d.start <= d.end
    except DateProblem as exc:
        assert exc.kind in {"format", "invalid", "no_year"}
    try:
        a = parse_age(text)
        assert a is None or 0 <= a <= 120
    except ValueProblem as exc:
        assert exc.kind in {"age_format", "age_range"}


person = st.tuples(st.sampled_from(["Иванов", "Петров", "Орлов", ""]),
                   st.sampled_from(["30", "31", "-1", ""]))
version = st.dictionaries(st.integers(1, 12).map(str), person, max_size=12)


@pytest.mark.fuzz
@settings(max_examples=max(N // 4, 10), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(versions=st.lists(version, min_size=1, max_size=3))
def test_supersession_keeps_one_active_version_per_id(tmp_path_factory, fuzz_store: Store,
                                                      versions: list[dict]) -> None:
    """After any sequence of corrected files, each id has exactly one active record, holding
    the content of the last file in which that id's row was accepted."""
    store = fuzz_store
    source = f"sup{next(_counter)}"
    expect: dict[str, tuple[str | None, int | None]] = {}
    folder = tmp_path_factory.mktemp("sup")
    seen: set[str] = set()
    for k, v in enumerate(versions):
        text = "id;surname;name;age;date;status\n" + "".join(
            f"{i};{fam};;{age};01.03.2022;убит\n" for i, (fam, age) in v.items())
        p = folder / f"v{k}.csv"
        p.write_text(text, encoding="utf-8")
        r = ingest_file(store, p, source=source, mapping=mapping())
        if text in seen:  # the very same file again: recognised, changes nothing
            assert r.duplicate_of is not None
            continue
        seen.add(text)
        for i, (fam, age) in v.items():
            if age != "-1":  # quarantined rows leave the earlier version in place
                expect[i] = (fam or None, int(age) if age else None)
    got = store.con.execute("SELECT record_id, family_name, age FROM records "
                            "WHERE source = ? AND active", [source]).fetchall()
    assert len(got) == len({g[0] for g in got})
    assert {g[0]: (g[1], g[2]) for g in got} == expect
    # every inactive version points at a record of the same id
    bad = store.scalar(
        "SELECT count(*) FROM records o JOIN records n ON n.record_uid = o.superseded_by "
        "WHERE o.source = ? AND NOT o.active AND n.record_id <> o.record_id", [source])
    assert bad == 0
