"""Rows staged for a later write, with memory flat in the file's size.

An importer reads and checks the whole file before it writes anything (the file is
refused whole when a row is in error; progress is reported as it reads, outside the
write transaction). The rows it will write wait here: in memory up to ``limit`` rows,
then written in batches to an unlinked temporary file under the data directory (where
the uploaded file itself is stored), and are read back batch by batch.

Rows hold plain values only — text, numbers, booleans, bytes, None — as a database
driver takes them (dates as ISO text): they are serialised with ``marshal``, several
times faster than pickle for such rows, and read back by the same process.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings

SPOOL_ROWS = 20_000


class RowSpool:
    """Batches of row tuples kept for writing; iterate with :meth:`batches`."""

    def __init__(self, *, limit: int | None = None, directory: Path | None = None) -> None:
        self.limit = SPOOL_ROWS if limit is None else limit
        self.directory = directory
        self.count = 0
        self._memory: list[list[tuple[Any, ...]]] = []
        self._held = 0
        self._file: IO[bytes] | None = None
        self._spilled = 0  # batches in the file

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self.count += len(rows)
        self._memory.append(rows)
        self._held += len(rows)
        if self._held > self.limit:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            folder = self.directory or Path(settings.DATA_DIR) / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by close()
        for rows in self._memory:
            # Length-prefixed: marshal.load on a file reads it a few bytes at a time.
            blob = marshal.dumps(rows)
            self._file.write(len(blob).to_bytes(8, "little"))
            self._file.write(blob)
            self._spilled += 1
        self._memory, self._held = [], 0

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        """Every batch in the order added (the file's first, then those still held)."""
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            for _ in range(self._spilled):
                size = int.from_bytes(self._file.read(8), "little")
                yield marshal.loads(self._file.read(size))  # noqa: S302 - our own file
        yield from self._memory

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._memory, self._held = [], 0

    def __enter__(self) -> RowSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
