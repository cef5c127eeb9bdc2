"""The subject's mother's number (母亲身份证号) in police and pupil files: the ``id2`` slot,
its header aliases, hostile values, and files staged before the column existed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkou.core import crypto
from renkou.exchange.feeds import FEEDS
from renkou.exchange.feeds.base import FEED_ID_CONTEXT
from renkou.exchange.feeds.police import MOTHER_ID_ALIASES
from renkou.exchange.models import FeedRow
from renkou.exchange.services import feed_import
from renkou.registry import identity
from tests.exchange.feed_files import (
    HEADERS,
    ID_COLUMN,
    MOTHER_A,
    MOTHER_B,
    MOTHER_COLUMN,
    bad_check,
    rows,
    write_csv,
)

pytestmark = pytest.mark.django_db
KINDS = ("police", "pupil")


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _import(kind: str, path: Path) -> Any:
    return feed_import(kind=kind, path=path, month="2026-01", actor=None)


def _no_number_in_extra(row: FeedRow) -> None:
    assert not any(n in str(v) for v in row.extra.values() for n in (MOTHER_A, MOTHER_B))


@pytest.mark.parametrize("kind", KINDS)
def test_the_mothers_number_is_the_second_slot(cast: Any, data_dir: Path, kind: str) -> None:
    result = _import(kind, write_csv(data_dir / "f.csv", kind))
    assert (result.status, result.created, result.rows_error) == ("applied", 3, 0)
    by_row = {r.row_number: r for r in FeedRow.objects.all()}
    first, second, third = by_row[2], by_row[3], by_row[4]
    assert first.id_valid  # the subject's own number is untouched
    assert first.id2_valid
    assert crypto.decrypt(first.id2_cipher, context=FEED_ID_CONTEXT) == MOTHER_A
    assert first.id2_index == identity.id_index(MOTHER_A)
    assert first.id2_masked == MOTHER_A[:6] + "********" + MOTHER_A[14:]
    assert third.id2_index == identity.id_index(MOTHER_B)
    assert (second.id2_cipher, second.id2_index, second.id2_masked, second.id2_valid) == (
        None, "", "", False)  # fmt: skip
    for row in (first, second, third):
        assert "mother_id" not in row.extra
        assert "id_problem" not in row.extra
        _no_number_in_extra(row)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("alias", MOTHER_ID_ALIASES)
def test_header_aliases(cast: Any, data_dir: Path, kind: str, alias: str) -> None:
    header = [alias if h == "母亲身份证号" else h for h in HEADERS[kind]]
    _import(kind, write_csv(data_dir / "a.csv", kind, header=header))
    assert FeedRow.objects.get(row_number=2).id2_index == identity.id_index(MOTHER_A)


@pytest.mark.parametrize(
    "header", ["监护人身份证号", "监护人身份证件号", "父母身份证号", "家长身份证号"]
)
def test_a_guardians_number_is_not_the_mothers(cast: Any, data_dir: Path, header: str) -> None:
    """A guardian (or 父母, 家长) need not be the mother: such a column is not read at all."""
    headers = [header if h == "母亲身份证号" else h for h in HEADERS["pupil"]]
    result = _import("pupil", write_csv(data_dir / "g.csv", "pupil", header=headers))
    assert (result.status, result.created) == ("applied", 3)
    for row in FeedRow.objects.all():
        assert (row.id2_cipher, row.id2_index, row.id2_valid) == (None, "", False)
        assert row.id_valid
        _no_number_in_extra(row)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (bad_check(MOTHER_A), "校验"),
        ("无", "18位"),
        ("不详", "18位"),
        ('=HYPERLINK("http://x","y")', "15位"),
        ("1" * 40, "18位"),
    ],
)
def test_a_bad_mothers_number_is_kept_and_flagged(
    cast: Any, data_dir: Path, kind: str, value: str, problem: str
) -> None:
    """Like any optional number (a certificate's father): kept, invalid, the reason in
    ``id_problem`` under ``id2``; the row and the subject's own number are fine."""
    body = rows(kind)
    body[0][MOTHER_COLUMN[kind]] = value
    result = _import(kind, write_csv(data_dir / "b.csv", kind, body))
    assert (result.status, result.created, result.rows_error) == ("applied", 3, 0)
    row = FeedRow.objects.get(row_number=2)
    assert row.id_valid
    assert not row.id2_valid
    assert row.id2_index
    assert row.id2_masked
    assert row.extra["id_problem"].startswith("id2:")
    assert problem in row.extra["id_problem"]
    assert value not in row.id2_masked or len(value) < 4
    assert len(row.id2_masked) <= 32  # fits the column on PostgreSQL too


@pytest.mark.parametrize("kind", KINDS)
def test_unusual_but_valid_forms_are_normalised(cast: Any, data_dir: Path, kind: str) -> None:
    body = rows(kind)
    wide = MOTHER_A.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    body[0][MOTHER_COLUMN[kind]] = f" {wide}\u3000"
    body[2][MOTHER_COLUMN[kind]] = MOTHER_B.lower()
    _import(kind, write_csv(data_dir / "w.csv", kind, body))
    by_row = {r.row_number: r for r in FeedRow.objects.all()}
    assert by_row[2].id2_valid
    assert by_row[2].id2_index == identity.id_index(MOTHER_A)
    assert by_row[4].id2_valid
    assert by_row[4].id2_index == identity.id_index(MOTHER_B)


@pytest.mark.parametrize("kind", KINDS)
def test_an_excel_mangled_mothers_number_is_a_row_error(
    cast: Any, data_dir: Path, kind: str
) -> None:
    body = rows(kind)
    body[1][MOTHER_COLUMN[kind]] = "3.70404E+17"
    result = _import(kind, write_csv(data_dir / "m.csv", kind, body))
    assert (result.status, result.rows_error) == ("rejected", 1)
    error = result.errors[0]
    assert (error.row, error.column) == (3, "母亲身份证号")
    assert "Excel" in error.reason
    assert "370404" not in Path(result.error_report).read_text(encoding="utf-8-sig")
    assert not FeedRow.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_staged_before_the_column_is_unchanged(cast: Any, data_dir: Path, kind: str) -> None:
    """The column counts in a row's content only when filled: a file staged without it is
    the same file sent again with the column blank; filling it changes that row only."""
    at = MOTHER_COLUMN[kind]
    old_header = [h for h in HEADERS[kind] if h != "母亲身份证号"]
    blank = [[*r[:at], "", *r[at + 1 :]] for r in rows(kind)]
    first = _import(kind, write_csv(data_dir / "old.csv", kind, [r[:at] for r in blank],
                                    header=old_header))  # fmt: skip
    assert (first.status, first.created) == ("applied", 3)
    again = _import(kind, write_csv(data_dir / "blank.csv", kind, blank))
    assert (again.created, again.unchanged, again.superseded) == (0, 3, 0)
    filled = [list(r) for r in blank]
    filled[0][at] = MOTHER_A
    third = _import(kind, write_csv(data_dir / "filled.csv", kind, filled))
    assert (third.unchanged, third.superseded) == (2, 1)
    current = FeedRow.objects.get(row_number=2, superseded_by__isnull=True)
    assert current.id2_index == identity.id_index(MOTHER_A)


def test_kinds_without_a_mother_column_keep_their_slots() -> None:
    """A birth certificate's 母亲身份证号 is its subject's own number; a marriage's second
    number is the wife's."""
    assert (FEEDS["birth_cert"].id_field, FEEDS["birth_cert"].id2_field) == (
        "mother_id", "father_id")  # fmt: skip
    assert FEEDS["marriage"].id2_field == "wife_id"
    assert FEEDS["police"].id2_field == FEEDS["pupil"].id2_field == "mother_id"
    assert ID_COLUMN["police"] != MOTHER_COLUMN["police"]
