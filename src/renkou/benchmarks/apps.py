from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "renkou.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"
