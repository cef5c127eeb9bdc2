from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistsConfig(AppConfig):
    name = "renkou.worklists"
    label = "worklists"
    verbose_name = _("挂账销号")

    def ready(self) -> None:
        from renkou.core.keyrotation import register_encrypted_field
        from renkou.worklists.evidence import CONTEXT

        register_encrypted_field("worklists.Attachment", "content_cipher", CONTEXT)
