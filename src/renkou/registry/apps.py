from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "renkou.registry"
    label = "registry"
    verbose_name = _("全员人口")

    def ready(self) -> None:
        from renkou.core.keyrotation import register_encrypted_field
        from renkou.registry import workkinds  # noqa: F401 - registers the kinds
        from renkou.registry.identity import ID_CONTEXT, PHONE_CONTEXT

        register_encrypted_field("registry.Person", "id_cipher", ID_CONTEXT)
        register_encrypted_field("registry.Person", "phone_cipher", PHONE_CONTEXT)
        register_encrypted_field("registry.ChangeReport", "id_cipher", ID_CONTEXT)
