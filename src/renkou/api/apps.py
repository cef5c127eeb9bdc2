from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "renkou.api"
    label = "api"
    verbose_name = "API"
