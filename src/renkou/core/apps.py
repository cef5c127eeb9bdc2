from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "renkou.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from renkou.core import checks, signals  # noqa: F401  (registers checks and receivers)
