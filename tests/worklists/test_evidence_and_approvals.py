"""Single-item assignment, the exemption queue (免办审批) and evidence files (佐证材料)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from renkou.core import crypto
from renkou.core.keyrotation import rotate_keys
from renkou.core.models import AuditEvent
from renkou.worklists import evidence
from renkou.worklists.evidence import attachment_add, attachment_content
from renkou.worklists.models import Attachment, WorkItem
from renkou.worklists.services import workitem_request_exemption
from tests.conftest import Cast
from tests.worklists_factories import PNG, open_item

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_assign_one_item_from_its_page(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    client = cast.client_for("clerk")
    due = timezone.localdate() + dt.timedelta(days=10)
    url = reverse("worklists:item_assign", args=[item.pk])
    officer = cast.users["officer"]
    response = client.post(url, {"assignee": officer.pk, "due_date": due, "version": 1})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.assignee_id, item.due_date, item.version) == (officer.pk, due, 2)
    assert item.events.filter(action="assigned").count() == 1
    # A stale version, an assignee of another township and garbage change nothing.
    other = cast.users["other_officer"]
    for data in (
        {"assignee": officer.pk, "version": 1},
        {"assignee": other.pk, "version": 2},
        {"assignee": "x", "version": 2},
        {"assignee": officer.pk, "due_date": "2026-13-40", "version": 2},
    ):
        assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.version == 2
    assert item.events.filter(action="assigned").count() == 1
    page = client.get(reverse("worklists:item_detail", args=[item.pk])).content.decode()
    assert f'action="{url}"' in page


def test_exemption_queue_approve_and_refuse(cast: Cast) -> None:
    officer = cast.users["officer"]
    first = open_item(org_unit=cast.village)
    second = open_item(org_unit=cast.village)
    for item in (first, second):
        workitem_request_exemption(
            item=item, reason="长期在外地居住", actor=officer, expected_version=1
        )
    open_item(org_unit=cast.village)  # no request: not in the queue
    clerk = cast.client_for("clerk")
    queue = clerk.get(reverse("worklists:exemption_list")).content.decode()
    assert queue.count("长期在外地居住") == 2
    approve = reverse("worklists:item_exempt_approve", args=[first.pk])
    queue = reverse("worklists:exemption_list")
    response = clerk.post(approve, {"version": 2, "note": "", "next": queue})
    assert response["Location"] == queue
    # Only a path of this site is followed; anything else goes back to the item.
    evil = clerk.post(reverse("worklists:item_exempt_refuse", args=[second.pk]),
                      {"version": 2, "reason": "", "next": "https://evil.example/x"})  # fmt: skip
    assert evil["Location"] == reverse("worklists:item_detail", args=[second.pk])
    first.refresh_from_db()
    assert (first.status, first.outcome) == ("closed", "exempt")
    assert first.approved_by == cast.users["clerk"]
    assert first.outcome_note == "长期在外地居住"
    refuse = reverse("worklists:item_exempt_refuse", args=[second.pk])
    assert clerk.post(refuse, {"version": 2, "reason": "  "}).status_code == 302
    second.refresh_from_db()
    assert second.exemption_requested  # no reason: nothing changed
    clerk.post(refuse, {"version": 2, "reason": "本月已联系上，请继续办理"})
    second.refresh_from_db()
    assert (second.status, second.exemption_requested) == ("open", False)
    event = second.events.get(action="exemption_refused")
    assert event.note == "本月已联系上，请继续办理"
    assert AuditEvent.objects.filter(action="workitem.exemption_refused").count() == 1
    # Refusing again (nothing pending) is refused; the queue is empty now.
    clerk.post(refuse, {"version": 3, "reason": "再次"})
    assert second.events.filter(action="exemption_refused").count() == 1
    assert "没有待审批的免办申请" in clerk.get(reverse("worklists:exemption_list")).content.decode()


def test_officer_cannot_decide_exemptions(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    officer = cast.users["officer"]
    workitem_request_exemption(item=item, reason="理由", actor=officer, expected_version=1)
    client = cast.client_for("officer")
    url = reverse("worklists:item_exempt_approve", args=[item.pk])
    assert client.post(url, {"version": 2}).status_code == 403
    assert WorkItem.objects.get(pk=item.pk).status == "open"


def test_evidence_upload_is_sealed_and_served_back(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    client = cast.client_for("officer")
    url = reverse("worklists:attachment_upload", args=[item.pk])
    photo = _upload("../../etc/签字表<script>.jpg", JPEG, "image/jpeg")
    assert client.post(url, {"file": photo}).status_code == 302
    stored = Attachment.objects.get(item=item)
    assert stored.name == "签字表script.jpg"
    assert stored.content_type == "image/jpeg"
    assert JPEG[:8] not in bytes(stored.content_cipher)  # sealed at rest
    assert attachment_content(stored) == JPEG
    response = client.get(reverse("worklists:attachment_download", args=[stored.pk]))
    assert response.status_code == 200
    assert response.content == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert item.events.filter(action="attachment").count() == 1
    assert AuditEvent.objects.filter(action="workitem.attachment_view").count() == 1
    page = client.get(reverse("worklists:item_detail", args=[item.pk])).content.decode()
    assert "签字表script.jpg" in page
    # Another township's officer gets 404, not the file.
    other = cast.client_for("other_officer")
    assert other.get(reverse("worklists:attachment_download", args=[stored.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("form.png", b"<html><script>alert(1)</script></html>"),  # HTML named .png
        ("form.pdf", b"MZ\x90\x00" + b"\x00" * 60),  # an executable named .pdf
        ("empty.jpg", b""),
        ("form.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ],
)
def test_hostile_evidence_is_refused(cast: Cast, name: str, content: bytes) -> None:
    item = open_item(org_unit=cast.village)
    client = cast.client_for("officer")
    url = reverse("worklists:attachment_upload", args=[item.pk])
    assert client.post(url, {"file": _upload(name, content)}).status_code == 302
    assert not Attachment.objects.filter(item=item).exists()


def test_evidence_limits(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    item = open_item(org_unit=cast.village)
    officer = cast.users["officer"]
    monkeypatch.setattr(evidence, "MAX_BYTES", 64)
    with pytest.raises(Exception, match="文件超过"):
        attachment_add(item=item, upload=_upload("big.png", PNG + b"\x00" * 64), actor=officer)
    attachment_add(item=item, upload=_upload("a.pdf", PDF), actor=officer)
    with pytest.raises(Exception, match="已经上传过"):
        attachment_add(item=item, upload=_upload("again.pdf", PDF), actor=officer)
    monkeypatch.setattr(evidence, "MAX_PER_ITEM", 2)
    attachment_add(item=item, upload=_upload("b.png", PNG), actor=officer)
    with pytest.raises(Exception, match="最多上传"):
        attachment_add(item=item, upload=_upload("c.jpg", JPEG), actor=officer)
    assert Attachment.objects.filter(item=item).count() == 2
    with pytest.raises(Exception, match="无权"):
        attachment_add(item=item, upload=_upload("d.jpg", JPEG), actor=cast.users["other_officer"])


def test_key_rotation_covers_evidence(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    stored = attachment_add(item=item, upload=_upload("a.png", PNG), actor=cast.users["officer"])
    new = "2:" + base64.b64encode(b"n" * 32).decode()
    old = "1:" + base64.b64encode(b"t" * 32).decode()
    with override_settings(RENKOU_DATA_KEYS=f"{new},{old}"):
        assert rotate_keys()["worklists.Attachment.content_cipher"] == 1
        stored.refresh_from_db()
        assert crypto.key_id_of(stored.content_cipher) == 2
        assert attachment_content(stored) == PNG
