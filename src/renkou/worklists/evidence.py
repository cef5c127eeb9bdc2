"""Evidence files on work items (佐证材料): checked by their bytes, sealed at rest.

Officers photograph a signed form or a certificate on their phone. Only JPEG, PNG and
PDF are accepted, recognised by their first bytes (the client's name and type are not
trusted), within a size cap and a per-item count; the stored name keeps no path.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core import crypto
from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import unit_in_scope
from renkou.worklists.models import Attachment, WorkItem, WorkItemEvent

CONTEXT: Final = b"worklists.attachment"
MAX_BYTES: Final = 8 * 1024 * 1024
MAX_PER_ITEM: Final = 10
_SIGNATURES: Final = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, suffix) of a JPEG, PNG or PDF by its magic bytes, else None."""
    for magic, content_type, suffix in _SIGNATURES:
        if head.startswith(magic):
            return content_type, suffix
    return None


def _display_name(client_name: str, suffix: str) -> str:
    # No path, no control or markup characters; the suffix comes from the content.
    stem = re.split(r"[\\/]", client_name or "")[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[^\w\u4e00-\u9fff\- ]+", "", stem).strip()[:80]
    return (stem or _("佐证")) + suffix


def attachment_add(*, item: WorkItem, upload: UploadedFile, actor: User) -> Attachment:
    """Store one evidence file on an item in the actor's scope (open or closed)."""
    if not has_cap(actor, Cap.WORK_ITEMS) or not unit_in_scope(actor, item.org_unit):
        raise ValidationError(_("无权为该事项上传材料。"))
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(_("文件是空的。"))
    if size > MAX_BYTES:
        raise ValidationError(
            _("文件超过 %(mb)d MB，请压缩后再上传。") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    content = upload.read(MAX_BYTES + 1)
    if len(content) != size:
        raise ValidationError(_("文件不完整，请重新上传。"))
    kind = sniff(content[:16])
    if kind is None:
        raise ValidationError(_("只能上传 JPG、PNG 图片或 PDF 文件。"))
    content_type, suffix = kind
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        locked = WorkItem.objects.select_for_update().get(pk=item.pk)
        existing = Attachment.objects.filter(item=locked)
        if existing.count() >= MAX_PER_ITEM:
            raise ValidationError(_("每个事项最多上传 %(n)d 份材料。") % {"n": MAX_PER_ITEM})
        if existing.filter(sha256=digest).exists():
            raise ValidationError(_("同一份材料已经上传过。"))
        attachment = Attachment.objects.create(
            item=locked,
            name=_display_name(upload.name or "", suffix),
            content_type=content_type,
            size=size,
            sha256=digest,
            content_cipher=crypto.encrypt_bytes(content, context=CONTEXT),
            uploaded_at=timezone.now(),
            uploaded_by=actor,
        )
        WorkItemEvent.objects.create(
            item=locked,
            at=attachment.uploaded_at,
            actor=actor,
            action="attachment",
            note=attachment.name,
            detail={"sha256": digest[:16], "size": str(size)},
        )
        audit_record(
            action="workitem.attachment_add",
            actor=actor,
            object_type="workitem",
            object_id=locked.pk,
            detail={"attachment": attachment.pk, "sha256": digest, "size": size},
        )
    return attachment


def attachment_content(attachment: Attachment) -> bytes:
    return crypto.decrypt_bytes(attachment.content_cipher, context=CONTEXT)
