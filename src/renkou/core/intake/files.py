"""Storing an incoming file and the checks that run before any parser sees it."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from renkou.core.models import ImportBatch, User

FileFormat = Literal["csv", "xlsx", "xls"]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Zip-bomb limits: a real register of 10^6 rows unpacks to well under 1 GiB.
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_RATIO = 200
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD16 = re.compile("<!(DOCTYPE|ENTITY)".encode("utf-16-le"), re.IGNORECASE)
_CHUNK = 1024 * 1024


class IntakeError(Exception):
    """The whole file is refused (before or while parsing); the message is Chinese."""


@dataclass(frozen=True)
class StoredFile:
    batch: ImportBatch
    path: Path
    format: FileFormat
    # Set (and equal to batch) when this exact file was already applied: nothing stored.
    duplicate_of: ImportBatch | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    # Control bytes other than tab/CR/LF/FF mean a binary file (an .exe, an image…).
    return not any(b < 0x20 and b not in (9, 10, 12, 13) for b in head)


def sniff_format(path: Path) -> FileFormat:
    """The real format by magic bytes, whatever the file name says."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if _looks_like_text(head):
        return "csv"
    raise IntakeError("文件类型无法识别：只接受 CSV、XLSX 或 XLS 文件。")


def _check_zip_entries(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise IntakeError("XLSX 文件内部条目过多，疑似压缩炸弹，已拒绝。")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise IntakeError("XLSX 文件解压后过大，疑似压缩炸弹，已拒绝。")
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise IntakeError("XLSX 文件压缩比异常，疑似压缩炸弹，已拒绝。")


def _scan_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    # Streams the entry: the declared size cannot be trusted, so count real bytes.
    seen = 0
    tail = b""
    with archive.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            seen += len(chunk)
            if seen > MAX_UNCOMPRESSED:
                raise IntakeError("XLSX 文件解压后过大，疑似压缩炸弹，已拒绝。")
            window = tail + chunk
            if _DTD.search(window) or _DTD16.search(window):
                raise IntakeError("XLSX 文件含有 XML 实体声明（DTD），出于安全原因已拒绝。")
            tail = chunk[-32:]


def _parse_part(archive: zipfile.ZipFile, name: str) -> None:
    try:
        SafeET.fromstring(archive.read(name), forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError) as exc:
        raise IntakeError(f"XLSX 文件的 {name} 无效或含有不安全的 XML，已拒绝。") from exc


def check_xlsx(path: Path) -> None:
    """Zip-bomb limits and XML-entity refusal for an XLSX; raises IntakeError."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                raise IntakeError("文件是 ZIP 压缩包但不是 XLSX 工作簿，已拒绝。")
            _check_zip_entries(archive)
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    _scan_entry(archive, info)
            for part in ("[Content_Types].xml", "xl/workbook.xml"):
                if part in names:
                    _parse_part(archive, part)
    except zipfile.BadZipFile as exc:
        raise IntakeError("XLSX 文件已损坏，无法打开。") from exc


def check_file(path: Path, *, name: str | None = None) -> FileFormat:
    """Every check that runs before parsing: size cap, magic bytes (and that they agree with
    the name's extension), zip-bomb limits and XML-entity refusal."""
    size = path.stat().st_size
    if size > settings.RENKOU_UPLOAD_MAX_BYTES:
        limit_mb = settings.RENKOU_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise IntakeError(_("文件过大（上限 %(mb)s MB），已拒绝。") % {"mb": limit_mb})
    if size == 0:
        raise IntakeError("文件为空。")
    fmt = sniff_format(path)
    claimed = Path(name or path.name).suffix.lower().lstrip(".")
    if claimed in ("xlsx", "xls", "csv") and claimed != fmt:
        raise IntakeError(f"文件扩展名为 .{claimed}，但内容不是该格式，已拒绝。")
    if fmt == "xlsx":
        check_xlsx(path)
    return fmt


def batch_dir(batch: ImportBatch) -> Path:
    return Path(settings.DATA_DIR) / "imports" / str(batch.pk)


def _safe_name(name: str) -> str:
    # Never a path from the client's filename: keep only the last component's suffix.
    suffix = Path(name).suffix.lower()
    return "source" + (suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else "")


def intake_store(
    *,
    path: Path,
    kind: str,
    actor: User | None,
    file_name: str | None = None,
    period: str = "",
) -> StoredFile:
    """Check the file, then copy it into a new STAGED ImportBatch with SHA-256 and size.

    When an APPLIED batch of the same kind (and ``period``, when given: a monthly feed
    is the same file only for the same month) has the same hash, no batch is created and
    ``duplicate_of`` names the earlier one, so callers make re-imports a no-op.
    """
    path = Path(path)
    fmt = check_file(path, name=file_name)
    digest = sha256_of(path)
    applied = ImportBatch.objects.filter(
        kind=kind, sha256=digest, status=ImportBatch.Status.APPLIED
    )
    if period:
        applied = applied.filter(period=period)
    previous = applied.order_by("id").first()
    if previous is not None:
        return StoredFile(batch=previous, path=path, format=fmt, duplicate_of=previous)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind,
            file_name=(file_name or path.name)[:255],
            sha256=digest,
            size=path.stat().st_size,
            period=period,
            status=ImportBatch.Status.STAGED,
            created_by=actor,
        )
    target_dir = batch_dir(batch)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / _safe_name(file_name or path.name)
    shutil.copyfile(path, target)
    return StoredFile(batch=batch, path=target, format=fmt)


def upload_name(upload: UploadedFile) -> str:
    """The file name the browser sent, without any path (kept on the batch)."""
    return Path(upload.name or "upload").name


@contextmanager
def upload_spool(upload: UploadedFile) -> Iterator[Path]:
    """A browser upload as a private temporary file (Django may hold a small one in
    memory), for ``intake_store``; deleted on leaving the block. The size cap applies
    before a byte is written, and only .csv, .xlsx and .xls names are taken."""
    if upload.size is not None and upload.size > settings.RENKOU_UPLOAD_MAX_BYTES:
        limit_mb = settings.RENKOU_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise IntakeError(_("文件过大（上限 %(mb)s MB），已拒绝。") % {"mb": limit_mb})
    suffix = Path(upload_name(upload)).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xls"):
        raise IntakeError(_("只接受 .csv、.xlsx 或 .xls 文件。"))
    spool = Path(settings.DATA_DIR) / "imports" / "incoming"
    spool.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool, suffix=suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)
