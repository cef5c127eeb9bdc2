"""Every renkou command has help text, and the README documents it (STYLE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
OURS = sorted((name, app) for name, app in get_commands().items() if str(app).startswith("renkou."))


def test_the_expected_commands_exist() -> None:
    names = {name for name, _ in OURS}
    assert {"demo", "synth", "import", "audit", "bench", "find_duplicates"} <= names


@pytest.mark.parametrize(("name", "app"), OURS)
def test_command_has_help_and_is_documented(name: str, app: str) -> None:
    command = load_command_class(app, name)
    assert command.help.strip(), f"renkou {name} has no help text"
    usage = command.create_parser("renkou", name).format_help()
    assert name in usage
    assert f"renkou {name}" in README, f"README does not document `renkou {name}`"
