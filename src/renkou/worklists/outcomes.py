"""How a work item may be closed (销号)."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    DONE = "done", _("已完成")
    DECLINED = "declined", _("本人拒绝")
    EXEMPT = "exempt", _("免于办理")
    MOVED = "moved", _("已迁出")
    DIED = "died", _("已死亡")
    UNREACHABLE = "unreachable", _("联系不上")
    RESOLVED = "resolved", _("其他方式解决")


# How a follow-up (a programme's item that asks for a result) may end without one: the
# person declined, moved away, died or could not be reached.
FOLLOWUP_ENDINGS: Final = (Outcome.DECLINED, Outcome.MOVED, Outcome.DIED, Outcome.UNREACHABLE)
