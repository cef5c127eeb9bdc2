"""Loaded with ``-p`` before pytest-django reads settings: select the test profile."""

import os

os.environ["RENKOU_ENV"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkou.settings")
# Playwright's sync API runs an event loop; Django's async-unsafe guard would otherwise
# refuse the ORM calls that browser tests make between page actions.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
