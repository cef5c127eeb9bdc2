"""Feed rows for the discrepancy-resolution and link-review tests (the conftest cast)."""

from __future__ import annotations

from pathlib import Path

from renkou.exchange.services import feed_import
from tests.exchange.feed_files import write_csv

ADDR = "山东省枣庄市峄城区榴园镇大官庄村"
EAST = "山东省枣庄市峄城区榴园镇东王庄村"
REAR = "山东省枣庄市峄城区古邵镇后楼村"


def police(
    name: str, number: str, born: str, event: str, no: str, *, addr: str = ADDR,
    sex: str = "男", on: str = "2026-01-05",
) -> list[str]:  # fmt: skip
    return [name, sex, number, born, "汉族", addr, "", name, "本人", event, on, no]


def birth(
    baby: str, sex: str, born: str, no: str, mother: tuple[str, str], *, residence: str = ADDR
) -> list[str]:
    """``mother`` is (name, number)."""
    name, number = mother
    return [baby, sex, born, ADDR, no, "医院", name, number, "", "", ADDR, residence, "1", "1"]


def marriage(
    husband: tuple[str, str, str], wife: tuple[str, str, str], kind: str, on: str, *,
    haddr: str = ADDR, waddr: str = ADDR,
) -> list[str]:  # fmt: skip
    """``husband`` and ``wife`` are (name, number, birth date)."""
    return [*husband, haddr, *wife, waddr, kind, on, "民政局"]


def pupil(name: str, number: str, born: str, *, addr: str = ADDR, sex: str = "男") -> list[str]:
    return [name, sex, number, born, "小学", "五年级", "家长", addr]


def load(tmp: Path, month: str, feeds: dict[str, list[list[str]]]) -> None:
    """Import each kind's rows for ``month`` (applied, or the test fails)."""
    for kind, body in feeds.items():
        path = write_csv(tmp / f"{kind}-{month}.csv", kind, body)
        result = feed_import(kind=kind, path=path, month=month, actor=None)
        assert result.status == "applied", result.errors
