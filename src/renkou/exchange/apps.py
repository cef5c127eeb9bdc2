from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "renkou.exchange"
    label = "exchange"
    verbose_name = _("部门数据交换")

    def ready(self) -> None:
        from renkou.core.keyrotation import register_encrypted_field
        from renkou.exchange.discrepancies import register_discrepancy_kinds
        from renkou.exchange.feeds.base import FEED_ID_CONTEXT

        register_encrypted_field("exchange.FeedRow", "id_cipher", FEED_ID_CONTEXT)
        register_encrypted_field("exchange.FeedRow", "id2_cipher", FEED_ID_CONTEXT)
        register_discrepancy_kinds()
