from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistsConfig(AppConfig):
    name = "renkou.worklists"
    label = "worklists"
    verbose_name = _("挂账销号")
