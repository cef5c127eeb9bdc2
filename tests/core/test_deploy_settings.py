"""Production settings: `check --deploy` is clean, and missing secrets stop the start."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    key = base64.b64encode(os.urandom(32)).decode()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RENKOU_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        RENKOU_ENV="production",
        RENKOU_SECRET_KEY=base64.b64encode(os.urandom(48)).decode(),
        RENKOU_DATA_KEYS=f"1:{key}",
        RENKOU_INDEX_KEY=base64.b64encode(os.urandom(32)).decode(),
        RENKOU_DATA_DIR=str(tmp_path),
        RENKOU_ALLOWED_HOSTS="renkou.example.cn",
        DJANGO_SETTINGS_MODULE="renkou.settings",
    )
    env.update(overrides)
    return env


def _renkou(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "renkou", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean(tmp_path: Path) -> None:
    result = _renkou("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["RENKOU_SECRET_KEY", "RENKOU_DATA_KEYS", "RENKOU_INDEX_KEY"])
def test_production_refuses_to_start_without_its_secrets(tmp_path: Path, missing: str) -> None:
    env = _production_env(tmp_path)
    del env[missing]
    result = _renkou("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RENKOU_SESSION_IDLE_SECONDS", "ten"),
        ("RENKOU_DEBUG", "maybe"),
        ("RENKOU_ENV", "staging"),
        ("RENKOU_PG_RANDOM_PAGE_COST", "1; DROP TABLE x"),
    ],
)
def test_bad_environment_values_stop_the_start(tmp_path: Path, name: str, value: str) -> None:
    env = _production_env(tmp_path, **{name: value})
    env["DATABASE_URL"] = "postgres://renkou@127.0.0.1:5432/renkou"  # never connected to
    result = _renkou("check", env=env)
    assert result.returncode != 0
    assert name in result.stderr


def test_postgres_connections_carry_the_planner_cost(tmp_path: Path) -> None:
    env = _production_env(tmp_path, DATABASE_URL="postgres://renkou@127.0.0.1:5432/renkou")
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = _renkou("shell", "-c", code, env=env)
    assert "-c random_page_cost=1.1" in result.stdout, result.stderr
    env["RENKOU_PG_RANDOM_PAGE_COST"] = ""  # leave the server's own setting alone
    unset = _renkou("shell", "-c", code, env=env)
    assert unset.returncode == 0, unset.stderr
    assert "random_page_cost" not in unset.stdout
