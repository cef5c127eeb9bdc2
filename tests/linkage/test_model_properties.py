"""Property: the model never links two valid, different identity numbers (DOMAIN.md §2),
nor two persons whose mothers' valid numbers differ.

Each example is a register of people and a feed of their near-twins: the same name, sex,
birth date and village, and a *valid* number that differs (another sequence number, so
the numbers are one or two characters apart) — everything but the number agrees.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renkou.linkage.model import StoredModel, Thresholds, score
from renkou.linkage.subjects import subjects_of
from tests.linkage.helpers import make_id
from tests.linkage.linkage_helpers import ADDRESS, AREA, feed, person, register
from tests.linkage.test_model import County, county  # noqa: F401 - the trained model

SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"

twin = st.tuples(
    st.sampled_from(SURNAMES),
    st.text(GIVEN, min_size=1, max_size=2),
    st.dates(date(1940, 1, 1), date(2015, 12, 31)),
    st.integers(0, 998),
    st.integers(1, 999),
    st.booleans(),
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(twin, min_size=1, max_size=12))
def test_two_valid_different_numbers_never_link(county: County, people: list) -> None:  # noqa: F811
    model: StoredModel = county.model
    reg_rows, feed_rows, numbers = [], [], []
    for n, (surname, given_name, born, seq, step, male) in enumerate(people):
        sex = "男" if male else "女"
        seq_a = seq - seq % 2 + (1 if male else 0)
        seq_b = (seq_a + 2 * step) % 1000
        if seq_b == seq_a:
            seq_b = (seq_a + 2) % 1000
        a = make_id(AREA, born, f"{seq_a:03d}")
        b = make_id(AREA, born, f"{seq_b:03d}")
        assert a != b
        numbers.append((a, b))
        reg_rows.append(person(f"P{n}", surname + given_name, sex, born, f"{seq_a:03d}",
                               公民身份号码=a))  # fmt: skip
        feed_rows.append({"学生姓名": surname + given_name, "性别": sex, "身份证号": b,
                          "出生日期": born.isoformat(), "家庭住址": ADDRESS})  # fmt: skip
    reg = register(*reg_rows)
    s = subjects_of(feed("pupil", *feed_rows))
    assert all(status == "valid" for status in s.id_status)
    found = score(reg, [(s, i) for i in range(len(s))], model,
                  thresholds=Thresholds(auto=0.99, review=0.0001))  # fmt: skip
    assert found == []


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(twin, min_size=1, max_size=12))
def test_two_valid_different_mothers_never_link(county: County, people: list) -> None:  # noqa: F811
    """The same with the mother's number: no own numbers at all, everything else agreeing,
    the mothers' valid numbers one or two characters apart — two mothers, two people."""
    reg_rows, feed_rows = [], []
    for n, (surname, given_name, born, seq, step, male) in enumerate(people):
        sex = "男" if male else "女"
        mothers_born = born - timedelta(days=9000)
        seq_b = (seq + 2 * step) % 1000
        a = make_id(AREA, mothers_born, f"{seq:03d}")
        b = make_id(AREA, mothers_born, f"{(seq_b if seq_b != seq else seq + 2) % 1000:03d}")
        assert a != b
        reg_rows.append(person(f"P{n}", surname + given_name, sex, born, "000",
                               公民身份号码="", 母亲身份证号=a))  # fmt: skip
        feed_rows.append({"学生姓名": surname + given_name, "性别": sex, "身份证号": "",
                          "出生日期": born.isoformat(), "家庭住址": ADDRESS,
                          "母亲身份证号": b})  # fmt: skip
    s = subjects_of(feed("pupil", *feed_rows))
    assert all(status == "valid" for status in s.mother_status)
    found = score(register(*reg_rows), [(s, i) for i in range(len(s))], county.model,
                  thresholds=Thresholds(auto=0.99, review=0.0001))  # fmt: skip
    assert found == []


def test_a_number_failing_its_check_may_link(county: County) -> None:  # noqa: F811
    born = date(1988, 5, 6) - timedelta(days=0)
    good = make_id(AREA, born, "131")
    typo = good[:16] + ("0" if good[16] != "0" else "1") + good[17]
    reg = register(person("P1", "赵丽娟", "女", born, "131"))
    s = subjects_of(feed("pupil", {"学生姓名": "赵丽娟", "性别": "女", "身份证号": typo,
                                   "出生日期": "1988-05-06", "家庭住址": ADDRESS}))  # fmt: skip
    assert s.id_status[0] == "bad_check"
    found = score(reg, [(s, 0)], county.model, thresholds=Thresholds())
    assert [f.route for f in found] == ["auto"]
    assert found[0].evidence["id"] == "repairable"


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_a_valid_number_missing_from_the_register_never_links_automatically(
    county: County,  # noqa: F811
) -> None:
    born = date(1991, 8, 9)
    number = make_id(AREA, born, "157")
    reg = register(person("P1", "刘明", "男", born, "157", 公民身份号码=""))
    s = subjects_of(feed("pupil", {"学生姓名": "刘明", "性别": "男", "身份证号": number,
                                   "出生日期": "1991-08-09", "家庭住址": ADDRESS}))  # fmt: skip
    assert s.id_status[0] == "valid"
    found = score(reg, [(s, 0)], county.model, thresholds=Thresholds(auto=0.5, review=0.01))
    assert [f.route for f in found] == ["pending"]
    assert found[0].evidence["id"] == "missing"
