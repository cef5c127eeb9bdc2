"""Account administration (三员分立): the system administrator creates and deactivates
accounts, the security administrator changes roles; neither sees personal data."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.models import Role, User


def sessions_end_for(user: User) -> int:
    """Delete every live session of `user` server-side; returns how many."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def user_deactivate(*, user: User, actor: User) -> None:
    if user.pk == actor.pk:
        raise ValidationError(_("不能停用自己的账号。"), code="self_deactivate")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = sessions_end_for(user)
        audit_record(
            action="user.deactivate",
            actor=actor,
            object_type="user",
            object_id=user.pk,
            detail={"sessions_ended": ended},
        )


def user_change_role(*, user: User, role: str, actor: User) -> None:
    """Give an account a different (single) role; its sessions end so the change bites."""
    if role not in Role.values:
        raise ValidationError(_("角色无效。"), code="bad_role")
    if user.pk == actor.pk:
        raise ValidationError(_("不能修改自己的角色。"), code="self_role")
    old = user.role
    with transaction.atomic():
        user.role = role
        user.save(update_fields=["role"])
        sessions_end_for(user)
        audit_record(
            action="user.role_change",
            actor=actor,
            object_type="user",
            object_id=user.pk,
            detail={"from": old, "to": role},
        )
