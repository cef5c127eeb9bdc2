from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "renkou.synth"
    verbose_name = "模拟数据"
