"""The one file intake every importer uses (register migration, department feeds).

Flow: ``intake_store`` copies the file into ``DATA_DIR/imports/<batch>/`` with its
SHA-256 and size and creates an :class:`~renkou.core.models.ImportBatch`; before any
parser sees a byte it enforces the size cap (``RENKOU_UPLOAD_MAX_BYTES``), the magic
bytes (XLSX = zip with ``[Content_Types].xml``, XLS = OLE2, CSV = text), the zip-bomb
limits (total uncompressed size, entry count, compression ratio) and refuses any XML
entry with a DTD or entity declaration (defusedxml parses the workbook parts).

``read_table`` then yields :class:`Row` objects for a :class:`TableSpec` (canonical
columns with Chinese header aliases, plus a user ``--map 表头=field`` override):
the header row is found among title rows by matching known headers, merged / two-level
header cells are combined, total rows (合计/总计/小计) are skipped and reported,
Excel serial dates (1900 and 1904 systems), formula cells without a cached value
(error), trailing spaces and full-width digits are handled. Problems come back as
:class:`RowError` (sheet, row, column, masked raw value, Chinese reason): nothing is
dropped, nothing guessed. CSV is streamed; XLSX/XLS go through python-calamine, which
loads a whole sheet (no streaming XLSX reader: docs/decisions/0013).

Rows are read column by column in batches (``columns.read_columns``; a plain CSV through
Arrow's reader), equal row for row and error for error to the row-wise reader
(``read_table(columnar=False)``, kept as the reference the tests compare with). An
importer that checks a whole file before writing keeps the rows to write in a
``spool.RowSpool`` (memory flat in the file's size).

A browser upload goes through ``upload_spool`` first (size cap before writing, a
private temporary file) and keeps its name (``upload_name``) on the batch.

Public surface: ``intake_store``, ``upload_spool``, ``upload_name``, ``check_file``,
``read_table``, ``TableSpec``, ``ColumnSpec``, ``Row``, ``RowError``, ``Notice``,
``Table``, ``IntakeError``, ``write_error_report``.
"""

from renkou.core.intake.files import (
    IntakeError,
    StoredFile,
    check_file,
    intake_store,
    upload_name,
    upload_spool,
)
from renkou.core.intake.report import row_errors_store, write_error_report
from renkou.core.intake.result import IntakeResult
from renkou.core.intake.table import (
    ColumnSpec,
    HeaderReport,
    Notice,
    Row,
    RowError,
    Table,
    TableSpec,
    inspect_headers,
    parse_mapping,
    read_table,
)

__all__ = [
    "ColumnSpec",
    "HeaderReport",
    "IntakeError",
    "IntakeResult",
    "Notice",
    "Row",
    "RowError",
    "StoredFile",
    "Table",
    "TableSpec",
    "check_file",
    "inspect_headers",
    "intake_store",
    "parse_mapping",
    "read_table",
    "row_errors_store",
    "upload_name",
    "upload_spool",
    "write_error_report",
]
