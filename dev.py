#!/usr/bin/env python3
"""Set up renkou on a fresh machine and run it: the README's two commands.

    python3 dev.py demo    create .venv, install the locked dependencies, seed the
                           synthetic demo county into the embedded database, serve it
                           on http://127.0.0.1:8000
    python3 dev.py test    create .venv, install, and run lint, the migration check and
                           the whole test suite (SQLite, or PostgreSQL via DATABASE_URL)
    python3 dev.py lint    only the checks: ruff format, ruff, mypy --strict, migrations

Only the standard library is used here, so this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".renkou-installed"


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, env=env)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("renkou needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", VENV)
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
    run(BIN / "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ROOT)
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when we are allowed to."""
    if shutil.which("chromium"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "chromium")
    else:
        print("chromium is not installed: browser tests will be skipped", flush=True)


def demo(extra: list[str]) -> None:
    ensure_venv()
    os.execv(BIN / "renkou", [str(BIN / "renkou"), "demo", *extra])


def _lint(env: dict[str, str]) -> None:
    run(BIN / "ruff", "format", "--check", "src", "tests", "dev.py", env=env)
    run(BIN / "ruff", "check", "src", "tests", "dev.py", env=env)
    run(BIN / "mypy", "src", env=env)
    run(BIN / "renkou", "makemigrations", "--check", "--dry-run", env=env)


def lint(extra: list[str]) -> None:
    ensure_venv()
    _lint(dict(os.environ, RENKOU_ENV="test"))


def test(extra: list[str]) -> None:
    ensure_venv()
    ensure_chromium()
    env = dict(os.environ, RENKOU_ENV="test")
    if "--no-lint" not in extra:
        _lint(env)
    args = [a for a in extra if a != "--no-lint"]
    run(BIN / "pytest", "-n", os.environ.get("RENKOU_TEST_WORKERS", "2"), *args, env=env)


COMMANDS = {"demo": demo, "test": test, "lint": lint}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
