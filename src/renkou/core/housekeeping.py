"""Deleting stored uploads and generated files after their time to live (SECURITY.md).

Uploaded department and register files hold personal data in clear text; the register
keeps what it needs (rows, hashes, provenance), so the stored copies go after a TTL.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

from renkou.core.audit import audit_record

# Folders under the data dir that hold uploads and generated files.
PURGED_FOLDERS = ("imports", "exports")


def files_purge(*, older_than_hours: int) -> int:
    """Delete files older than the TTL below the purged folders; returns how many."""
    if older_than_hours < 1:
        raise ValueError("the time to live must be at least one hour")
    cutoff = time.time() - older_than_hours * 3600
    removed = 0
    for folder in PURGED_FOLDERS:
        root = Path(settings.DATA_DIR) / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*"), reverse=True):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    audit_record(
        action="files.purge", detail={"removed": removed, "older_than_hours": older_than_hours}
    )
    return removed
