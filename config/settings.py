"""Jiewang settings. Everything deployment-specific is read from the environment here, and only here.

Environment variables:
    DATABASE_URL        default: sqlite:///var/jiewang.sqlite3 (WAL mode); production: postgres://...
    DATABASE_PREPARE    PostgreSQL: "0" turns off server-side parameters and prepared statements
                        (needed behind PgBouncer < 1.21 in transaction mode; default on)
    SECRET_KEY          required when DEBUG is off
    DEBUG               "1" to enable debug pages (default off)
    ALLOWED_HOSTS       comma separated (default: localhost,127.0.0.1)
    JIEWANG_VAR_DIR     where the SQLite file, the locator index and uploads live (default ./var)
    SESSION_IDLE_SECONDS  idle session timeout (default 1800)
    LOCATOR_NEAREST_METERS  how far outside every grid a point still snaps to the nearest grid (default 50)
    MAP_TILE_URL        a tile server for the Leaflet maps, e.g. https://tiles.example/{z}/{x}/{y}.png
                        (default none: polygons on a plain background; no external tiles)
"""

from pathlib import Path
import os

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JIEWANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "insecure-dev-key-change-me" if DEBUG or os.environ.get("JIEWANG_DEV", "1") == "1" else None
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set in production (JIEWANG_DEV=0)")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "jiewang.core",
    "jiewang.audit",
    "jiewang.holidays",
    "jiewang.areas",
    "jiewang.accounts",
    "jiewang.demo",
    "jiewang.notifications",
    "jiewang.staffing",
    "jiewang.basedata",
    "jiewang.events",
    "jiewang.dispatching",
    "jiewang.duty",
    "jiewang.stats",
    "jiewang.assessment",
    "jiewang.warning",
    "jiewang.supervision",
    "jiewang.reports",
    "jiewang.patrols",
    "jiewang.admission",
    "jiewang.party",
    "jiewang.open311",
    "jiewang.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiewang.accounts.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jiewang.core.middleware.NulCharacterMiddleware",
    # Last, as django-axes requires: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiewang" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiewang.web.nav.nav",
                "jiewang.web.manage.notices.holiday_notice",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'jiewang.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 600  # keep the connection (and its page cache) per worker
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so that concurrent writers queue (busy timeout) instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 60,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARE", True):
    # Server-side parameters and prepared statements: a statement run five times on a connection
    # is planned once (planning was about half of a short statement's time; intake runs the same
    # few statements all day). Set DATABASE_PREPARE=0 behind a pooler in transaction mode that
    # cannot keep prepared statements (PgBouncer < 1.21).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend reading the signed-in user with one prepared statement: Django's own
    # cost the HTTP intake 21-25 % more CPU per request on SQLite (BENCHMARKS.md, "Sessions").
    "jiewang.accounts.backends.ModelBackend",
]
# Login lockout (django-axes): 5 failures for one username from one address lock it for 30 min.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", 0.5))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "jiewang.accounts.lockout.lockout_response"
# Idle session timeout: activity renews the session (at most once a minute, see
# jiewang.accounts.middleware), idleness ends it.
# Django's cached_db sessions: written to django_session and to the "sessions" cache, read from the
# cache (one indexed row, no signing to check), from the table on a miss.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", 1800))
SESSION_REFRESH_SECONDS = int(os.environ.get("SESSION_REFRESH_SECONDS", 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
LOGIN_URL = "/login/"

# Key for field-level encryption of personal data (ID numbers, phones). Derived from SECRET_KEY
# unless given; rotating it needs a re-encryption migration.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Front-end libraries installed by dev.py from package-lock.json (git-ignored), served as
# "vendor/htmx/htmx.min.js", "vendor/leaflet/leaflet.js", … (docs/web.md).
STATICFILES_DIRS = [("vendor", BASE_DIR / "frontend" / "vendor")]
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# --- Jiewang --------------------------------------------------------------------------------
LOCATOR_INDEX_DIR = Path(os.environ.get("LOCATOR_INDEX_DIR", VAR_DIR / "locator"))
LOCATOR_NEAREST_METERS = float(os.environ.get("LOCATOR_NEAREST_METERS", 50))
# How often each process compares its loaded locator index with the boundary revision.
LOCATOR_REVISION_CHECK_SECONDS = float(os.environ.get("LOCATOR_REVISION_CHECK_SECONDS", 2))
# Largest GeoJSON file accepted by the import endpoint (bytes).
AREA_IMPORT_MAX_BYTES = int(os.environ.get("AREA_IMPORT_MAX_BYTES", 50 * 1024 * 1024))
# Sibling overlaps larger than this share of the smaller area are reported on import.
AREA_OVERLAP_TOLERANCE = float(os.environ.get("AREA_OVERLAP_TOLERANCE", 0.001))

# Maps: a tile layer only when a (closed-network) tile server is configured.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")

# Open311 GeoReport v2: the jurisdiction this endpoint serves (clients may send jurisdiction_id).
OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "jiewang")

# Senders for queued messages, by channel; the console sender logs instead of sending.
NOTIFICATION_SENDERS = {
    "sms": os.environ.get("NOTIFY_SMS_SENDER", "jiewang.notifications.senders.ConsoleSender"),
    "email": os.environ.get("NOTIFY_EMAIL_SENDER", "jiewang.notifications.senders.ConsoleSender"),
}

# The duty (jiewang.duty): an urgent event's alarm must be acknowledged within this many minutes,
# else it climbs to the commander, and after as many again to the district; the roster may be
# planned this many days ahead (31: on a month's last day the whole next month can be filled in).
DUTY_ALARM_RESPONSE_MINUTES = float(os.environ.get("DUTY_ALARM_RESPONSE_MINUTES", 15))
DUTY_ROSTER_DAYS_AHEAD = int(os.environ.get("DUTY_ROSTER_DAYS_AHEAD", 31))

# --- Resident portal: abuse guard without CAPTCHA (closed networks) ---------------------------
# Rate-limit counters and the sessions' cache live in Django's database cache: shared by every
# gunicorn worker (and host) with no other server to run. A per-process cache (LocMem) would be
# wrong for sessions: a worker that cached a session would keep serving it after a sign-out in
# another worker. Sessions have their own table (their own MAX_ENTRIES and culling), created by
# accounts/migrations/0003; the counters' table by web/migrations/0001.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "jiewang_cache"},
    "sessions": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "jiewang_session_cache",
                 "OPTIONS": {"MAX_ENTRIES": 100_000}},
}
RESIDENT_REPORTS_PER_HOUR_PER_PHONE = int(os.environ.get("RESIDENT_REPORTS_PER_HOUR_PER_PHONE", 5))
RESIDENT_REPORTS_PER_HOUR_PER_IP = int(os.environ.get("RESIDENT_REPORTS_PER_HOUR_PER_IP", 20))
# A report form must be submitted at least this long after it was served (bots are faster) and
# at most this long after (a signed timestamp in the form).
RESIDENT_FORM_MIN_SECONDS = float(os.environ.get("RESIDENT_FORM_MIN_SECONDS", 3))
RESIDENT_FORM_MAX_SECONDS = float(os.environ.get("RESIDENT_FORM_MAX_SECONDS", 2 * 3600))
# Largest whole submission (photo included) the resident form accepts, in bytes.
RESIDENT_REPORT_MAX_BYTES = int(os.environ.get("RESIDENT_REPORT_MAX_BYTES", 12 * 1024 * 1024))
# "我的反映" by phone: a one-time SMS code, valid this many minutes and tries; codes sent per phone
# and per client address in an hour (events.services.reporter_codes).
REPORTER_CODE_MINUTES = int(os.environ.get("REPORTER_CODE_MINUTES", 10))
REPORTER_CODE_MAX_ATTEMPTS = int(os.environ.get("REPORTER_CODE_MAX_ATTEMPTS", 5))
REPORTER_CODES_PER_HOUR_PER_PHONE = int(os.environ.get("REPORTER_CODES_PER_HOUR_PER_PHONE", 3))
REPORTER_CODES_PER_HOUR_PER_IP = int(os.environ.get("REPORTER_CODES_PER_HOUR_PER_IP", 10))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"jiewang": {"level": os.environ.get("JIEWANG_LOG_LEVEL", "INFO")}},
}
