from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "renkou.programmes"
    label = "programmes"
    verbose_name = _("服务项目")

    def ready(self) -> None:
        from renkou.programmes import workkinds  # noqa: F401 - registers the work-item kinds
