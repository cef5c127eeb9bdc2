"""``renkou synth`` and ``renkou demo`` (without serving)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from renkou.core.models import AuditEvent, Role, User
from renkou.registry.models import Person
from renkou.synth.management.commands.demo import DEMO_PASSWORD


def test_synth_writes_the_county_and_prints_json(tmp_path: Path) -> None:
    out = StringIO()
    call_command("synth", "--people", "300", "--seed", "7", "--out", str(tmp_path / "c"),
                 "--months", "1", "--json", stdout=out)  # fmt: skip
    summary = json.loads(out.getvalue())
    assert summary["seed"] == 7
    assert summary["register_rows"] >= 300
    assert (tmp_path / "c" / "register.csv").is_file()
    assert (tmp_path / "c" / "orgunits.csv").is_file()


def test_synth_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="参数无效"):
        call_command("synth", "--people", "5", "--out", str(tmp_path), stdout=StringIO())
    with pytest.raises(CommandError, match="--townships"):
        call_command("synth", "--people", "500", "--townships", "0", "--out", str(tmp_path))


@pytest.mark.parametrize(("app", "name"), [("renkou.synth", "synth"), ("renkou.synth", "demo")])
def test_help_is_documented(app: str, name: str) -> None:
    command = load_command_class(app, name)
    assert command.help
    assert "--json" in command.create_parser("renkou", name).format_help()


@pytest.mark.django_db
def test_demo_seeds_once_and_creates_every_role(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    out = StringIO()
    call_command("demo", "--people", "3000", "--no-serve", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["seeded"]
    assert summary["rejected"] == 0
    assert summary["imported"] > 3000
    assert summary["village_reported"] > 0  # the month's newborns the villages reported
    assert Person.objects.count() == summary["imported"] + summary["village_reported"]
    users = {u.username: u for u in User.objects.all()}
    assert users["officer_dgz"].org_unit.name == "大官庄村"
    assert users["officer_dgz"].role == Role.VILLAGE_OFFICER
    assert users["officer_dwz"].org_unit.parent == users["clerk"].org_unit
    assert users["clerk2"].org_unit != users["clerk"].org_unit
    assert {u.role for u in users.values()} == set(Role.values)
    assert users["county"].check_password(DEMO_PASSWORD)
    assert summary["campaign_targets"] > 0  # the started screening campaign
    events = AuditEvent.objects.filter(action="import.register").count()
    # A second run neither reseeds nor duplicates accounts.
    again = StringIO()
    call_command("demo", "--no-serve", "--json", stdout=again)
    assert json.loads(again.getvalue())["seeded"] is False
    assert json.loads(again.getvalue())["campaign_targets"] == summary["campaign_targets"]
    assert User.objects.count() == len(users)
    assert AuditEvent.objects.filter(action="import.register").count() == events
