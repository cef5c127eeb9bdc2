"""Django settings for renkou: one module, configured through the environment.

RENKOU_ENV selects the profile: ``dev`` (default: the embedded demo), ``test`` (the
suite), ``production`` (no generated secrets, no superusers, secure cookies).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from renkou.envconf import env_bool, env_choice, env_float, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
RENKOU_ENV = env_choice("RENKOU_ENV", "dev", ("dev", "test", "production"))
PRODUCTION = RENKOU_ENV == "production"
DATA_DIR = Path(env_str("RENKOU_DATA_DIR", str(Path.cwd() / "var"))).resolve()


def _dev_secrets() -> dict[str, str]:
    """Secrets for dev/test, generated once into the data dir (never used in production)."""
    if RENKOU_ENV == "test":
        # Fixed so that test runs are reproducible; these keys protect no real data.
        return {
            "secret_key": "test-only-secret-key-" + "x" * 40,
            "data_keys": "1:" + base64.b64encode(b"t" * 32).decode(),
            "index_key": base64.b64encode(b"i" * 32).decode(),
        }
    path = DATA_DIR / "dev-secrets.json"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        generated = {
            "secret_key": secrets.token_urlsafe(50),
            "data_keys": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "index_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        path.write_text(json.dumps(generated), encoding="utf-8")
        path.chmod(0o600)
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


_SECRETS: dict[str, str] = {} if PRODUCTION else _dev_secrets()


def _secret(env_name: str, key: str) -> str:
    if PRODUCTION:
        return env_str(env_name)
    return env_str(env_name, _SECRETS[key])


SECRET_KEY = _secret("RENKOU_SECRET_KEY", "secret_key")
# Field encryption keys, "kid:base64key,kid:base64key"; the first is used for new data.
RENKOU_DATA_KEYS = _secret("RENKOU_DATA_KEYS", "data_keys")
# Key of the blind index (HMAC) that makes encrypted identity numbers searchable.
RENKOU_INDEX_KEY = _secret("RENKOU_INDEX_KEY", "index_key")

DEBUG = env_bool("RENKOU_DEBUG", False)
ALLOWED_HOSTS = env_list("RENKOU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("RENKOU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "renkou.core",
    "renkou.registry",
    "renkou.worklists",
    "renkou.exchange",
    "renkou.programmes",
    "renkou.api",
    "renkou.synth",
    "renkou.benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "renkou.core.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "renkou.core.middleware.LoginRequiredMiddleware",
    "renkou.core.middleware.AdminTwoFactorMiddleware",
]
OTP_TOTP_ISSUER = "renkou"

ROOT_URLCONF = "renkou.urls"
WSGI_APPLICATION = "renkou.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "renkou.core.context_processors.renkou",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    default_url = f"sqlite:///{DATA_DIR / 'renkou.sqlite3'}"
    url = env_str("DATABASE_URL", default_url)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; FULL survives power loss; IMMEDIATE
        # takes the write lock at BEGIN so two writers queue instead of deadlocking.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
            ),
        }
        if config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = env_int("RENKOU_DB_CONN_MAX_AGE", 60, minimum=0)
        config["CONN_HEALTH_CHECKS"] = True
        # The planner's default cost of a random page (4.0) assumes spinning disks and
        # makes it scan 3·10^5 work items instead of walking an index for one township's
        # 10^4 (67 ms vs 1.4 ms on the 1M county); 1.1 is the usual value for SSDs.
        # RENKOU_PG_RANDOM_PAGE_COST="" leaves the server's own setting alone.
        cost = env_str("RENKOU_PG_RANDOM_PAGE_COST", "1.1")
        if cost:
            if not re.fullmatch(r"\d{1,3}(\.\d{1,3})?", cost):
                raise ImproperlyConfigured("RENKOU_PG_RANDOM_PAGE_COST must be a number")
            options = dict(config.get("OPTIONS", {}))
            options["options"] = f"-c random_page_cost={cost}"
            config["OPTIONS"] = options
    else:
        raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if RENKOU_ENV == "test":
    # Argon2 at full cost would make the suite's hundreds of logins slow; the
    # production hasher is exercised by a dedicated test.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "renkou.core.passwords.CharacterClassValidator"},
]

# Sessions: idle timeout and absolute lifetime (SECURITY.md), enforced by middleware.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
RENKOU_SESSION_IDLE_SECONDS = env_int("RENKOU_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
RENKOU_SESSION_ABSOLUTE_SECONDS = env_int("RENKOU_SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=600)
SESSION_COOKIE_AGE = RENKOU_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("RENKOU_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("RENKOU_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None

RENKOU_LOCKOUT_FAILURES = env_int("RENKOU_LOCKOUT_FAILURES", 5, minimum=1)

# 未入户: months after a birth certificate without a police birth registration (DOMAIN.md §5).
RENKOU_NO_HUKOU_MONTHS = env_int("RENKOU_NO_HUKOU_MONTHS", 3, minimum=1)
RENKOU_LOCKOUT_SECONDS = env_int("RENKOU_LOCKOUT_SECONDS", 15 * 60, minimum=60)
RENKOU_REVEAL_PER_HOUR = env_int("RENKOU_REVEAL_PER_HOUR", 30, minimum=1)
# The register overview's counts are cached this long (0: never; the suite uses 0).
RENKOU_OVERVIEW_CACHE_SECONDS = env_int(
    "RENKOU_OVERVIEW_CACHE_SECONDS", 0 if RENKOU_ENV == "test" else 300, minimum=0
)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Stored uploads and generated files are deleted after this many hours (purge_files).
RENKOU_FILE_TTL_HOURS = env_int("RENKOU_FILE_TTL_HOURS", 72, minimum=1)
# API tokens expire like a session's absolute lifetime; getting a new one revokes the old.
RENKOU_API_TOKEN_HOURS = env_int("RENKOU_API_TOKEN_HOURS", 12, minimum=1)
RENKOU_UPLOAD_MAX_BYTES = env_int("RENKOU_UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
# Reproductive-health statistics show counts from 1 to this minus one as "<k" (core.disclosure).
# 5 is a threshold widely used for published health statistics; a village registers a few
# dozen couples a year, so most village rows still show while 1–4 couples (whom everyone
# in the village could name) are hidden. It cannot be set below 3 (at 2, pairs would show).
RENKOU_SMALL_CELL_MIN = env_int("RENKOU_SMALL_CELL_MIN", 5, minimum=3)

# Record linkage (renkou.linkage): the probabilistic stage's match probabilities — at or
# above AUTO a link, at or above REVIEW a candidate for the review queue, below: none.
# The backend runs Splink in-process (duckdb) or on Spark (spark; province scale).
RENKOU_LINK_AUTO = env_float("RENKOU_LINK_AUTO", 0.99, minimum=0.5, maximum=1.0)
RENKOU_LINK_REVIEW = env_float("RENKOU_LINK_REVIEW", 0.80, minimum=0.01, maximum=1.0)
if RENKOU_LINK_REVIEW > RENKOU_LINK_AUTO:
    raise ImproperlyConfigured("RENKOU_LINK_REVIEW must not exceed RENKOU_LINK_AUTO")
RENKOU_LINKAGE_BACKEND = env_choice("RENKOU_LINKAGE_BACKEND", "duckdb", ("duckdb", "spark"))
RENKOU_SPARK_MASTER = env_str("RENKOU_SPARK_MASTER", "local[2]")
RENKOU_SPARK_DRIVER_MEMORY = env_str("RENKOU_SPARK_DRIVER_MEMORY", "2g")
# Per executor on a cluster (local mode runs its executors inside the driver); a worker
# offering less than this gets no executor and the run waits (docs/decisions/0012).
RENKOU_SPARK_EXECUTOR_MEMORY = env_str("RENKOU_SPARK_EXECUTOR_MEMORY", "1g")
# Where the Spark backend exchanges its Parquet files (inputs, Splink's intermediate tables,
# the scored pairs): a private 0700 directory per run, removed afterwards; the driver's
# scratch directory (spark.local.dir: shuffle and spill files) is made here too. The files hold
# identity data in the clear: on a cluster this must be the cluster's secured storage,
# mounted at the same path on the driver and every executor (SECURITY.md).
RENKOU_SPARK_SPOOL = Path(env_str("RENKOU_SPARK_SPOOL", str(DATA_DIR / "spark-spool")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Background jobs (feed previews and imports, comparisons): django-tasks with its database
# backend; `renkou db_worker` runs them. A file up to RENKOU_INLINE_JOB_MAX_BYTES is
# previewed and applied inside the request instead (same code path, no waiting).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RENKOU_INLINE_JOB_MAX_BYTES = env_int("RENKOU_INLINE_JOB_MAX_BYTES", 1024 * 1024, minimum=0)
# County targets of the monthly comparison report (exchange/report.py says what each
# rate counts): the share of a month's feed subjects the register reflects.
RENKOU_COMPARISON_TARGETS = {
    "police_births": 0.90,
    "police_moves": 0.90,
    "marriages": 0.95,
    "birth_notifications": 1.00,
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if RENKOU_ENV != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = RENKOU_ENV == "test"
MEDIA_ROOT = DATA_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "renkou.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "renkou API",
    "DESCRIPTION": "人口和家庭服务信息平台接口",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_ids": {"()": "renkou.core.logfilters.MaskIdentityNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_ids"]}},
    "root": {"handlers": ["console"], "level": env_str("RENKOU_LOG_LEVEL", "INFO")},
}
