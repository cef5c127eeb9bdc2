"""Feed rows normalised column-wise equal the row-wise path, row for row and error for
error: on staged values (hypothesis, no database) and on what an import writes."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renkou.core import crypto
from renkou.core.intake import check_file, read_table, spool
from renkou.core.intake.columns import ColumnBatch, read_columns
from renkou.exchange.feeds import FEEDS
from renkou.exchange.feeds.base import FEED_ID_CONTEXT
from renkou.exchange.feeds.stage import Staged, _hashed_texts, fast_ids, normalise_batch
from renkou.exchange.models import FeedRow
from renkou.exchange.services import feed_import
from renkou.linkage import idnumber
from tests.exchange.feed_files import HEADERS, bad_check, make_id, rows, write_csv

KINDS = ("police", "birth_cert", "marriage", "pupil")
TODAY = dt.date.today()
GOOD = make_id("19900101", "121")
WITH_X = make_id("19900101", "102")  # check character X
FULL_WIDTH = GOOD.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
# Every kind of bad (or merely unusual) cell a department sends.
HOSTILE = [
    "", " ", "\u3000", bad_check(GOOD), WITH_X, WITH_X.lower(), bad_check(WITH_X).lower(),
    WITH_X[:16] + "x" + "X", "3.70404E+17", "370404199001011234.0", GOOD.lower(),
    FULL_WIDTH, f" {GOOD} ", "370404900101123", "810000199001011237", "911234199001011230",
    make_id("18790101", "121"), make_id("20990101", "121"), make_id("19900230", "121"),
    "LS370404101201000001", "12345", "未知", "男性", "M", "x", "迁入", "离婚登记", "出生",
    (TODAY + dt.timedelta(days=3)).isoformat(), "2026/1/5", "20260105", "2026-02-30", "abc",
    "合计", "=1+1", "张\u3000三", "YW001", "370404901301123", "37040490010112X",
    "３７０４０４９００１０１１２３", "370404900101123 ", "4.10102E17",
]  # fmt: skip


def _canonical(outcome: Any) -> Any:
    """Errors as they are; staged values with ciphers decrypted (their nonces differ)."""
    if isinstance(outcome, list):
        return outcome
    assert isinstance(outcome, Staged)
    values = list(outcome.values)
    for slot in (7, 11):
        if values[slot] is not None:
            values[slot] = crypto.decrypt(values[slot], context=FEED_ID_CONTEXT)
    return (tuple(values), outcome.key_material, outcome.source, outcome.number, outcome.sheet)


def _outcomes(kind: str, path: Path, *, columnar: bool) -> list[Any]:
    feed = FEEDS[kind]
    fmt = check_file(path)
    out: list[Any] = []
    if columnar:
        for batch in read_columns(path=path, fmt=fmt, spec=feed.spec).batches:
            out.extend(normalise_batch(feed, batch, TODAY))
    else:
        for row in read_table(path=path, fmt=fmt, spec=feed.spec, columnar=False).rows:
            single = ColumnBatch(
                row.sheet, [row.number], {k: [v] for k, v in row.values.items()},
                {0: row.errors} if row.errors else {},
            )  # fmt: skip
            out.extend(normalise_batch(feed, single, TODAY, columnar=False))
    return [_canonical(o) for o in out]


@st.composite
def feed_files(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    kind = draw(st.sampled_from(KINDS))
    good = rows(kind)
    body = []
    for _ in range(draw(st.integers(1, 12))):
        row = list(draw(st.sampled_from(good)))
        for col in draw(st.sets(st.integers(0, len(row) - 1), max_size=3)):
            row[col] = draw(st.sampled_from(HOSTILE))
        body.append(row)
    return kind, body


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=feed_files())
def test_column_wise_equals_row_wise(case: tuple[str, list[list[str]]]) -> None:
    kind, body = case
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "f.csv", kind, body)
        assert _outcomes(kind, path, columnar=True) == _outcomes(kind, path, columnar=False)


@given(st.lists(st.sampled_from(HOSTILE) | st.text("0123456789Xx", min_size=15, max_size=18)))
def test_fast_ids_only_where_parse_accepts(numbers: list[str]) -> None:
    for number, fast in zip(numbers, fast_ids(numbers, TODAY), strict=True):
        if fast and number:
            assert idnumber.parse(number).normalized == number


def _mixed(kind: str) -> list[list[str]]:
    """Good rows, then one row per hostile value in every column, then a repeat."""
    good = rows(kind)
    body = [list(r) for r in good]
    for col in range(len(HEADERS[kind])):
        for value in HOSTILE:
            row = list(good[len(body) % 3])
            row[col] = value
            body.append(row)
    body.append(list(good[0]))
    return body


def _written(batch_id: int) -> list[tuple[Any, ...]]:
    out = []
    for row in FeedRow.objects.filter(batch__import_batch_id=batch_id).order_by("row_number"):
        ids = [
            crypto.decrypt(c, context=FEED_ID_CONTEXT) if c is not None else None
            for c in (row.id_cipher, row.id2_cipher)
        ]
        out.append(
            (row.sheet, row.row_number, row.source_record_id, row.natural_key, row.content_hash,
             row.name, row.sex, row.birth_date, *ids, row.id_index, row.id_masked, row.id_valid,
             row.id2_index, row.id2_masked, row.id2_valid, row.event_type, row.event_date,
             row.place, row.org, row.household_code, row.extra, row.withdrawn,
             row.superseded_by is not None)
        )  # fmt: skip
    return out


def _result(result: Any) -> tuple[Any, ...]:
    return (
        result.status, result.rows_total, result.rows_error, result.created, result.unchanged,
        result.superseded, result.withdrawn, result.errors, result.notices,
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_import_writes_the_same_rows_both_ways(
    cast: Any, tmp_path: Path, settings: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    monkeypatch.setattr(spool, "SPOOL_ROWS", 7)  # rows to write go through the spool file
    body = _mixed(kind)
    first = write_csv(tmp_path / "a.csv", kind, body)
    # A corrected file: some rows changed, some gone, one new.
    fixed = [list(r) for r in body[:-5]]
    fixed[0][0] = fixed[0][0] + "改"
    fixed.append(list(rows(kind)[2]))
    second = write_csv(tmp_path / "b.csv", kind, fixed)
    outcomes = {}
    for columnar, month in ((True, "2026-01"), (False, "2026-02")):
        results = []
        for path in (first, second):
            result = feed_import(kind=kind, path=path, month=month, actor=None,
                                 accept_valid=True, columnar=columnar)  # fmt: skip
            results.append((_result(result), _written(result.batch_id)))
        dry = feed_import(kind=kind, path=first, month=month, actor=None, dry_run=True,
                          columnar=columnar)  # fmt: skip
        outcomes[columnar] = (results, _result(dry))
    assert outcomes[True] == outcomes[False]
    (applied, written), _ = outcomes[True][0]
    assert applied[0] == "applied"
    assert applied[2] > 0  # rows in error, reported the same both ways
    assert len(written) > len(rows(kind))


@pytest.mark.django_db
def test_rejected_file_writes_nothing_and_reports_the_same(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    path = write_csv(tmp_path / "p.csv", "police", _mixed("police"))
    fast = feed_import(kind="police", path=path, month="2026-01", actor=None)
    slow = feed_import(kind="police", path=path, month="2026-02", actor=None, columnar=False)
    assert _result(fast) == _result(slow)
    assert fast.status == "rejected"
    assert FeedRow.objects.count() == 0


def test_only_numbers_store_id_rejects_leave_the_column_wise_path() -> None:
    from renkou.exchange.feeds import stage

    feed = FEEDS["police"]
    good = rows("police")[0]
    column = HEADERS["police"].index("公民身份号码")
    kept = [bad_check(GOOD), WITH_X.lower(), FULL_WIDTH, "370404900101123",
            make_id("20990101", "121"), "911234199001011230", "12345", ""]  # fmt: skip
    mangled = ["3.70404E+17", "370404199001011234.0"]
    with tempfile.TemporaryDirectory() as tmp:
        body = [[*good[:column], number, *good[column + 1 :]] for number in kept + mangled]
        path = write_csv(Path(tmp) / "f.csv", "police", body)
        (batch,) = read_columns(path=path, fmt="csv", spec=feed.spec).batches
    checked = stage._check(feed, batch, TODAY)
    assert list(checked.slow) == [0] * len(kept) + [1] * len(mangled)


@st.composite
def _late_table(draw: Any) -> tuple[list[list[str]], list[bool]]:
    width = draw(st.integers(1, 6))
    late = draw(st.lists(st.booleans(), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(st.sampled_from(["", "a", "\x1f", " 张 "]) | st.text(),
                                  min_size=width, max_size=width), max_size=20))  # fmt: skip
    columns = [[row[c] for row in rows] for c in range(width)]
    return columns, late


@given(case=_late_table())
def test_hashed_texts_join_as_the_row_wise_rule(case: tuple[list[list[str]], list[bool]]) -> None:
    # FeedKind.hashed: a late column's cell counts only where filled; any number of them.
    columns, late = case
    rows = list(zip(*columns, strict=True)) if columns[0] else []
    expected = [
        "\x1f".join([v for v, is_late in zip(row, late, strict=True) if v or not is_late])
        for row in rows
    ]
    assert _hashed_texts(columns, late) == expected
