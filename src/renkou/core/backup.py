"""Online backups and the restore drill (SECURITY.md "Reliability").

A backup is a file plus a manifest of facts read from the same snapshot: the row count
of every table, a checksum of every person's (id, version) — each write bumps the
version — and the head of the audit chain. The drill restores the file into a scratch
database, reads the same facts there, compares them with the manifest and verifies the
audit chain; it never touches the live database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, connections, transaction
from django.db.utils import load_backend
from django.utils import timezone

from renkou.core.audit import audit_record, audit_verify
from renkou.core.intake.files import sha256_of

DRILL_ALIAS = "restore_drill"


class BackupError(Exception):
    """A backup or drill could not be made or did not match."""


def _tables() -> list[str]:
    return sorted(
        {m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy}
    )


def snapshot_facts(alias: str = "default") -> dict[str, Any]:
    """Counts, person-version checksum and audit head of the database `alias`."""
    with connections[alias].cursor() as cursor:
        counts = {}
        for table in _tables():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - model table names
            counts[table] = int(cursor.fetchone()[0])
        digest = hashlib.sha256()
        cursor.execute("SELECT id, version FROM registry_person ORDER BY id")
        while rows := cursor.fetchmany(10_000):
            digest.update("".join(f"{pk}:{version};" for pk, version in rows).encode())
        cursor.execute("SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1")
        head = cursor.fetchone()
    return {
        "counts": counts,
        "person_versions": digest.hexdigest(),
        "audit_head": head[0] if head else "",
    }


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: Path
    facts: dict[str, Any]


def _pg_env(settings_dict: dict[str, Any], name: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    env["PGDATABASE"] = name or str(settings_dict["NAME"])
    return env


def _backup_sqlite(target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    with sqlite3.connect(target) as dest:
        connection.connection.backup(dest)  # SQLite's online backup API
    return _facts_of_file(target)


def _backup_postgres(target: Path) -> dict[str, Any]:
    # One snapshot for the dump and the facts, so they agree under concurrent writes.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        result = subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                "-f",
                str(target),
            ],
            env=_pg_env(connection.settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:300]}")
        return snapshot_facts()


def backup_create(*, out_dir: Path) -> Backup:
    """Write a backup and its manifest into `out_dir`; audited."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    if connection.vendor == "sqlite":
        path = out_dir / f"renkou-{stamp}.sqlite3"
        facts = _backup_sqlite(path)
    else:
        path = out_dir / f"renkou-{stamp}.dump"
        facts = _backup_postgres(path)
    manifest = path.with_suffix(path.suffix + ".json")
    payload = {"engine": connection.vendor, "file": path.name, "sha256": sha256_of(path), **facts}
    manifest.write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")
    audit_record(action="backup.create", detail={"file": path.name, "sha256": payload["sha256"]})
    return Backup(path, manifest, payload)


@contextmanager
def _scratch_alias(settings_dict: dict[str, Any], name: str) -> Iterator[str]:
    """A connection to the scratch database under its own alias, for this block only.

    It is not added to settings.DATABASES: the live configuration stays as it is.
    """
    config = dict(settings_dict, NAME=name)
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, DRILL_ALIAS)
    connections[DRILL_ALIAS] = wrapper
    try:
        yield DRILL_ALIAS
    finally:
        wrapper.close()
        del connections[DRILL_ALIAS]


def _facts_of_file(path: Path) -> dict[str, Any]:
    with _scratch_alias(connection.settings_dict, str(path)) as alias:
        return snapshot_facts(alias)


def _pg_admin(sql: str) -> None:
    settings_dict = connection.settings_dict
    result = subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        env=_pg_env(settings_dict, "postgres"),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(result.stderr.strip()[:300])


@dataclass(frozen=True)
class DrillReport:
    ok: bool
    problems: list[str]
    audit_rows: int
    seconds: float


def _compare(expected: dict[str, Any], restored: dict[str, Any]) -> list[str]:
    problems = [
        f"{table}: {expected['counts'][table]} rows in the manifest, {n} restored"
        for table, n in restored["counts"].items()
        if expected["counts"].get(table) != n
    ]
    for key in ("person_versions", "audit_head"):
        if expected.get(key) != restored.get(key):
            problems.append(f"{key} differs from the manifest")
    return problems


def restore_drill(*, manifest: Path) -> DrillReport:
    """Restore the backup of `manifest` into scratch space and check it; audited."""
    started = timezone.now()
    expected = json.loads(manifest.read_text(encoding="utf-8"))
    backup = manifest.with_name(expected["file"])
    if sha256_of(backup) != expected["sha256"]:
        return DrillReport(False, ["the backup file's SHA-256 does not match"], 0, 0.0)
    if expected["engine"] == "sqlite":
        restored, chain = _drill_sqlite(backup)
    else:
        restored, chain = _drill_postgres(backup)
    problems = _compare(expected, restored)
    if not chain.ok:
        problems.append(f"audit chain broken at row {chain.first_bad_id}: {chain.reason}")
    seconds = (timezone.now() - started).total_seconds()
    audit_record(
        action="backup.drill",
        outcome="ok" if not problems else "failed",
        detail={"file": backup.name, "problems": len(problems)},
    )
    return DrillReport(not problems, problems, chain.rows, seconds)


def _drill_sqlite(backup: Path) -> tuple[dict[str, Any], Any]:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "restored.sqlite3"
        shutil.copyfile(backup, copy)
        with sqlite3.connect(copy) as raw:
            if raw.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the restored SQLite file fails its integrity check")
        with _scratch_alias(connection.settings_dict, str(copy)) as alias:
            return snapshot_facts(alias), audit_verify(using=alias)


def _drill_postgres(backup: Path) -> tuple[dict[str, Any], Any]:
    name = f"renkou_drill_{dt.date.today():%Y%m%d}_{secrets.token_hex(3)}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        result = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", name, str(backup)],
            env=_pg_env(connection.settings_dict, name),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:300]}")
        with _scratch_alias(connection.settings_dict, name) as alias:
            return snapshot_facts(alias), audit_verify(using=alias)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
