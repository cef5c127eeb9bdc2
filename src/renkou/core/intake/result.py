"""What an import reports: the fields every importer shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from renkou.core.intake.table import Notice, RowError


@dataclass(kw_only=True)
class IntakeResult:
    """``status`` is applied, rejected, unchanged or dry_run; importers add their counts."""

    status: str
    batch_id: int
    rows_total: int = 0
    rows_error: int = 0
    created: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    error_report: str = ""

    @property
    def ok(self) -> bool:
        return self.rows_error == 0
