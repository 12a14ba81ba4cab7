"""Settings shared by every environment, read from the environment (12-factor).

Every variable is documented in `.env.example`. Defaults make `make run` work with nothing
set: a SQLite file, a local-memory cache and Celery tasks run in-process.
"""

from datetime import timedelta
from pathlib import Path

import corsheaders.defaults
import environ
from whitenoise.compress import Compressor

from config.embed_providers import frame_origins
from config.settings.values import parse_origin

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# --- Core -------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The one origin of every absolute URL (core/origin.py), e-mails included; production
# requires it. Never taken from a request's Host header.
SITE_URL = env("BROADSHEET_SITE_URL", default="http://localhost:8000").rstrip("/")
SITE_NAME = env("BROADSHEET_SITE_NAME", default="Broadsheet")
SITE_DESCRIPTION = env(
    "BROADSHEET_SITE_DESCRIPTION", default="Essays, notes and news, published with Broadsheet."
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    # Third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "django_celery_beat",
    "axes",
    "csp",
    "reversion",
    # Ours
    "core",
    "api",
    "pagecache",
    "accounts",
    "blog",
    "pages",
    "sitesettings",
    "editorial",
    "images",
    "transfer",
    "webhooks",
    "previews",
    "embeds",
    "members",
    "newsletters",
    "comments",
    "anymail",
]

MIDDLEWARE = [
    # GET /healthz answered before anything else runs (liveness needs none of it).
    "core.health.LivenessMiddleware",
    "core.logs.RequestIdMiddleware",
    # If-Match compares versions (W/"v" matches "v": nginx's gzip weakens our tags).
    "api.conditional.VersionTagsMiddleware",
    # A 500 caused by an unreachable database, wherever it arose, is a 503 (core/database.py).
    "core.database.DatabaseErrorsAre503Middleware",
    "django.middleware.security.SecurityMiddleware",
    "core.origin.SiteOriginMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "api.ratelimit.RateLimitHeadersMiddleware",
    # ETag from the content where a view set none; If-None-Match / If-Modified-Since → 304.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.member: the signed-in member (a reader, never staff), or None; no query
    # without a session cookie.
    "members.middleware.MemberMiddleware",
    # The site settings, read once (no query when cached); the site's time zone applied.
    "sitesettings.middleware.SiteSettingsMiddleware",
    # Moved addresses (renamed slugs, imported permalinks) answer 301 instead of 404, and
    # /?p=ID before the view; after auth: a hidden post's new address is told to no one.
    "blog.redirects.RedirectFallbackMiddleware",
    # Admin and API writes: one revision each, by their user (see editorial.middleware).
    "editorial.middleware.RevisionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the user that AuthenticationMiddleware set.
    "axes.middleware.AxesMiddleware",
    # Innermost: sees a view's database errors first (503, or one retry when safe).
    "core.database.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Readers' pages are Jinja2 templates, in each app's `jinja2/` (core/jinja2.py says why);
# the admin, e-mails and the API's docs page are Django templates (`templates/`, each
# app's `templates/`). A name is looked up in that order, so no name may be in both.
CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "blog.context_processors.site",
    "blog.context_processors.page_url",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "core.jinja2.environment",
            "context_processors": CONTEXT_PROCESSORS,
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": CONTEXT_PROCESSORS},
    },
]

# --- Database ---------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
if DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":
    # The embedded default serves threads (runserver, gunicorn --threads): writers queue
    # for the lock from the start of their transaction and wait up to 20 s for it rather
    # than failing with "database is locked"; readers never wait for a writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
# A PostgreSQL restart then costs no request: a dead persistent connection is replaced.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis behind a circuit breaker (core/cache.py).
            "BACKEND": "core.cache.BreakerRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A dead Redis must never take pages down: cache misses instead of errors.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
                # After a failure, calls fail at once for this long (one probe per period).
                "BREAKER_COOLDOWN": 5.0,
            },
            "KEY_PREFIX": "broadsheet",
        }
    }
    # The breaker logs an outage once and counts the failed calls; no traceback per call.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The layout's template fragments (`{% cache %}` in templates/base.html): this process's
# memory. They hold only what one process builds the same way for every page and reader
# (URLs, static paths) under the site's settings, which they are keyed by.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "TIMEOUT": 600,
}

# Seconds an anonymous page may be served from cache (0 turns the page cache off).
PAGE_CACHE_SECONDS = env.int("BROADSHEET_PAGE_CACHE_SECONDS", default=60)
# At most this long in a browser's own cache, which nothing can purge (docs/deploy.md).
PAGE_BROWSER_CACHE_SECONDS = env.int("BROADSHEET_BROWSER_CACHE_SECONDS", default=5)

# --- Auth -------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
SESSION_ENGINE = "accounts.sessions"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.login_limits.AddressLimitBackend",  # per address, across usernames
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "blog:home"
LOGOUT_REDIRECT_URL = "blog:home"

# django-axes: lock out a username *from one address* (the pair), so that nobody can lock
# `admin` out from elsewhere; the lock-out page (429) says what happened, the same for an
# account that exists and one that does not.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# The username as axes records it: cut to its column's 255 characters.
AXES_USERNAME_CALLABLE = "accounts.login_limits.axes_username"
# Spraying: failed logins from one address across all usernames within the cool-off
# (accounts/login_limits.py); then that address gets the same lock-out page.
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=30)
# Proxies in front of gunicorn that write X-Forwarded-For (production: nginx, 1); 0 trusts
# no header. The address rule is core/client_ip.py, shared with the API throttle.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Media: uploaded images and their renditions (docs/deploy.md, "Media") -------------

# On disk by default (nginx serves MEDIA_ROOT at /media/); DJANGO_STORAGE=s3 puts them in
# an S3-compatible bucket through django-storages instead. Either way every file is
# written through STORAGES["default"] under a content-hashed name.
MEDIA_URL = env("DJANGO_MEDIA_URL", default="/media/")
# Origin serving uploaded images when it is not this site (object storage, a CDN), e.g.
# https://media.example.com; empty: media come from this site. The CSP allows it.
MEDIA_HOST = env("BROADSHEET_MEDIA_HOST", default="").rstrip("/")
# Other sites whose pictures post bodies may show: origins, comma-separated (the old site
# after a move, whose posts still point at its uploads). Empty: a picture on another host
# is blocked by the CSP, which keeps readers' browsers from asking third parties; the
# importers count such pictures by host in their summary (docs/import-export.md).
IMAGE_HOSTS = [
    parse_origin(origin, "BROADSHEET_IMAGE_HOSTS")
    for origin in env.list("BROADSHEET_IMAGE_HOSTS", default=[])
]
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
DJANGO_STORAGE = env("DJANGO_STORAGE", default="filesystem")
if DJANGO_STORAGE == "s3":
    _MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by boto3 itself.
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "location": env("AWS_LOCATION", default=""),
            "querystring_auth": False,  # public images, stable URLs
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
else:
    _MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644
# The image library (images/conf.py has the defaults and what each one means).
BROADSHEET_IMAGES = {
    "MAX_BYTES": env.int("BROADSHEET_IMAGE_MAX_BYTES", default=20 * 1024 * 1024),
    "MAX_PIXELS": env.int("BROADSHEET_IMAGE_MAX_PIXELS", default=50_000_000),
    "WIDTHS": tuple(env.list("BROADSHEET_IMAGE_WIDTHS", cast=int, default=[480, 960, 1600])),
    "DECODE_MEMORY": env.int("BROADSHEET_IMAGE_DECODE_MEMORY", default=300 * 1024 * 1024),
}
# Hashed file names never change content, so they may be cached for a year.
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if not DEBUG else 0
# Source maps (14 of the 25 MB collected, the API docs' bundles) are for browsers'
# developer tools only: not compressed, which halves collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- Email ------------------------------------------------------------------------------

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Broadsheet <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Members (members/services.py, docs/members.md) -------------------------------------
# A sign-in link works once, for this long; a sign-up's confirmation link for longer
# (people confirm from their inbox later in the day).
MEMBERS_SIGN_IN_LINK_MINUTES = env.int("MEMBERS_SIGN_IN_LINK_MINUTES", default=15)
MEMBERS_CONFIRM_LINK_HOURS = env.int("MEMBERS_CONFIRM_LINK_HOURS", default=24)
# Sign-up and sign-in mails asked for, per hour: per address (nobody's inbox is flooded)
# and per client address (one client cannot mail the world; an office behind one NAT
# still signs up its staff). Over either: a 429 page.
MEMBERS_MAILS_PER_ADDRESS_PER_HOUR = env.int("MEMBERS_MAILS_PER_ADDRESS_PER_HOUR", default=5)
MEMBERS_MAILS_PER_CLIENT_PER_HOUR = env.int("MEMBERS_MAILS_PER_CLIENT_PER_HOUR", default=20)

# --- REST API ---------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, refusing tokens revoked by a password change or sign-out.
        "accounts.tokens.JWTAuthentication",
        # `Authorization: Api-Key …`: editors' revocable, scoped keys for integrations.
        "accounts.integration_keys.IntegrationKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "api.schema.APISchema",
    # Atomic counters (core/throttling.py); off while Redis is down.
    "DEFAULT_THROTTLE_CLASSES": [
        "api.ratelimit.AnonRateThrottle",
        "api.ratelimit.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Every error as RFC 9457 problem details (application/problem+json).
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    # The throttle's client address: not one a client can choose in X-Forwarded-For.
    "NUM_PROXIES": NUM_PROXIES,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("API_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("API_REFRESH_TOKEN_DAYS", default=1)),
    "UPDATE_LAST_LOGIN": False,
    "TOKEN_OBTAIN_SERIALIZER": "accounts.tokens.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.tokens.TokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Broadsheet API",
    "DESCRIPTION": "Read the public catalogue; with a token, write posts under your role.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "WebhookEventEnum": "webhooks.models.Event",
        "MemberStatusEnum": "members.models.Member.Status",
        "CommentStatusEnum": "comments.models.Comment.Status",
        # Posts and pages (a proxy of Post) share these: one component each, not a hash.
        "PostStatusEnum": "blog.models.Post.Status",
        "PostStateEnum": "blog.models.Post.State",
    },
    # OpenAPI 3.1 for `webhooks`: the deliveries, described as the receiver gets them.
    "WEBHOOKS": [
        f"webhooks.api.post_{event}" for event in ("published", "updated", "unpublished", "deleted")
    ]
    + [
        "webhooks.api.member_created",
        "webhooks.api.member_deleted",
        "webhooks.api.newsletter_sent",
    ]
    + ["webhooks.api.comment_created", "webhooks.api.comment_approved"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.nullable_as_null_type",
        "api.schema.post_shapes",
        "api.schema.single_blank_string",
        "api.schema.strict_query_parameters",
        "api.schema.named_query_enums",
        "api.schema.image_upload_encoding",
        "api.schema.crud_links",
    ],
}
CORS_ALLOWED_ORIGINS = env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
# What a browser client may read: validators, rate limits, and where a 308 points.
CORS_EXPOSE_HEADERS = [
    "ETag", "Last-Modified", "Location", "Retry-After",
    "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
]  # fmt: skip
# What a browser client may send besides the defaults: the conditional-request headers,
# so a script on another origin can write with If-Match (docs/api.md, "Browsers and CORS").
CORS_ALLOW_HEADERS = [
    *corsheaders.defaults.default_headers,
    "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
]  # fmt: skip

# --- Celery -----------------------------------------------------------------------------

_CELERY_BROKER = env("CELERY_BROKER_URL", default=REDIS_URL)
# In-process ("memory://") when no broker is configured: kombu then has no host to guess.
CELERY_BROKER_URL = _CELERY_BROKER or "memory://"
# Nothing reads task results: no result backend (with one, a dead Redis held every save
# in the backend's unbounded reconnect loop).
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without a broker (the `make run` default) tasks run in-process so the site still works.
CELERY_TASK_ALWAYS_EAGER = not _CELERY_BROKER
CELERY_TASK_EAGER_PROPAGATES = True
# Then a sign-up's link mail runs in a thread after the request, not inside it: a new
# address (a member row made) must not answer slower than a known one (members.services).
MEMBERS_LINK_MAIL_IN_BACKGROUND = CELERY_TASK_ALWAYS_EAGER
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# A task whose whole worker died is handed out again after `visibility_timeout` plus at
# most one restore scan (`unacked_restore_interval`): about 5.5 minutes. The timeout is
# above the hard time limit plus the longest retry countdown (blog/tasks.py, 60 s), so a
# task that is still running or waiting for its retry is never handed out twice. Longer
# work claims its row instead (an export: a second copy exits; docs/jobs.md), and webhook
# retries over WEBHOOKS_MAX_COUNTDOWN_SECONDS wait in the database, not in the broker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=30),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Two queues, each with workers of its own (deploy/run.sh `worker`, `webhook-worker`):
# deliveries to other people's servers (which may hang until their timeout, retry, pile
# up) on `webhooks`; the site's own work (renditions, go-live announcements, reports,
# exports) on the default `celery`, so a slow receiver never delays it (with one
# queue let a hanging receiver hold renditions and announcements back ~60 s).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"webhooks.*": {"queue": "webhooks"}}
# django-celery-beat's, surviving a database outage instead of ending beat (core/beat.py).
CELERY_BEAT_SCHEDULER = "core.beat:DatabaseScheduler"
# Daily report time in TIME_ZONE ("HH:MM").
BROADSHEET_DAILY_REPORT_AT = env("BROADSHEET_DAILY_REPORT_AT", default="08:00")

# --- Webhooks (webhooks/) ---------------------------------------------------------------

# Deliveries to private, loopback and link-local addresses are refused unless this is set.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=6)
# First retry after this many seconds, then twice as long each time (at most an hour).
WEBHOOKS_BACKOFF_SECONDS = env.float("WEBHOOKS_BACKOFF_SECONDS", default=30)
# The whole of one attempt (connect, send, status, headers, reply) ends after this long.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10)
# An endpoint is disabled after this many failed attempts in a row, spread over at least
# this many seconds without a success (a burst of errors does not disable it).
WEBHOOKS_DISABLE_AFTER = env.int("WEBHOOKS_DISABLE_AFTER", default=15)
WEBHOOKS_DISABLE_WINDOW_SECONDS = env.int("WEBHOOKS_DISABLE_WINDOW_SECONDS", default=3600)
# A retry due within this many seconds waits in the broker as a countdown; a longer wait is
# sent by the reconciler when due. Keep it under the visibility timeout minus the hard time
# limit, or a waiting message is handed out twice.
WEBHOOKS_MAX_COUNTDOWN_SECONDS = env.int("WEBHOOKS_MAX_COUNTDOWN_SECONDS", default=60)
# The reconcilers (webhooks, images, transfer) redo owed work whose task message has not
# run this many seconds after it was sent: lost to a broker outage, a flush or a failure.
BROADSHEET_RECONCILE_AFTER_SECONDS = env.int("BROADSHEET_RECONCILE_AFTER_SECONDS", default=120)

# --- Newsletters: sending, providers, bounce webhooks (newsletters/, docs/members.md) ---

# Messages per second an issue hands to the mail backend (shared by its senders), and
# deliveries claimed per task run (the task then sends itself again, so other tasks
# interleave). Set the rate under your provider's limit (docs/members.md).
NEWSLETTER_SEND_RATE = env.float("NEWSLETTER_SEND_RATE", default=50)
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=100)
# Send tasks working on one issue at once (with a worker; in-process: one), each at
# NEWSLETTER_SEND_RATE / NEWSLETTER_SENDERS. Their batches never overlap (SKIP LOCKED).
NEWSLETTER_SENDERS = env.int("NEWSLETTER_SENDERS", default=2)
# A delivery claimed (`sending`) longer than this with no outcome belonged to a worker
# that died mid-send: the reconciler marks it `uncertain`, never sends it again.
NEWSLETTER_CLAIM_LEASE_SECONDS = env.int("NEWSLETTER_CLAIM_LEASE_SECONDS", default=300)
# Transient failures (SMTP 4xx, connection errors, a provider's 5xx/429): retried after
# this many seconds, twice as long each time (at most an hour), this many attempts in all.
NEWSLETTER_RETRY_SECONDS = env.float("NEWSLETTER_RETRY_SECONDS", default=60)
NEWSLETTER_MAX_ATTEMPTS = env.int("NEWSLETTER_MAX_ATTEMPTS", default=8)
# The weekly digest's day (0 = Monday) and time, in the site's time zone when the
# schedule is created (`setup_schedules`).
NEWSLETTER_DIGEST_AT = env("NEWSLETTER_DIGEST_AT", default="08:00")
# django-anymail: every `ANYMAIL_<NAME>` environment variable becomes ANYMAIL["<NAME>"]
# (ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY, ANYMAIL_WEBHOOK_SECRET…), so
# any provider is configured from the environment alone. WEBHOOK_SECRET ("user:password")
# guards the bounce and complaint webhooks under /anymail/; without it they act on nothing.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in env.ENVIRON.items()
    if name.startswith("ANYMAIL_") and value
}

# --- Embeds (embeds/, docs/site-owners.md "Embeds") ------------------------------------

# More oEmbed providers than config/embed_providers.py knows, as a JSON list of the same
# shape ({"name", "pattern", "endpoint", "frame_origins"}); their origins join frame-src.
EMBEDS_EXTRA_PROVIDERS = env.json("BROADSHEET_EMBED_PROVIDERS", default=[])
# oEmbed and thumbnail requests to private and loopback addresses are refused unless set
# (tests, with an oEmbed server of their own on loopback).
EMBEDS_ALLOW_PRIVATE = env.bool("EMBEDS_ALLOW_PRIVATE", default=False)
# Hosts embeds may be fetched from at all; empty: any public host. The test settings name
# only loopback, so that no test ever asks a real provider.
EMBEDS_FETCH_HOSTS = env.list("EMBEDS_FETCH_HOSTS", default=[])
# One request (connect, send, answer) ends after this long; a page, an oEmbed answer and
# a thumbnail may be at most these many bytes (a longer answer is an error).
EMBEDS_TIMEOUT_SECONDS = env.float("EMBEDS_TIMEOUT_SECONDS", default=5)
EMBEDS_MAX_PAGE_BYTES = env.int("EMBEDS_MAX_PAGE_BYTES", default=512 * 1024)
EMBEDS_MAX_JSON_BYTES = env.int("EMBEDS_MAX_JSON_BYTES", default=64 * 1024)
EMBEDS_MAX_THUMBNAIL_BYTES = env.int("EMBEDS_MAX_THUMBNAIL_BYTES", default=2 * 1024 * 1024)
# Lone URLs of one body that become embeds, at most (the rest stay links).
EMBEDS_MAX_PER_POST = env.int("EMBEDS_MAX_PER_POST", default=20)

# --- Comments: spam and abuse (comments/spam.py, docs/comments.md "Spam and abuse") ------

# Comments a member, and a client address, may post: "N/second|minute|hour|day", several
# limits separated by commas; each must hold.
COMMENTS_RATE_PER_MEMBER = env.list("COMMENTS_RATE_PER_MEMBER", default=["5/minute", "30/hour"])
COMMENTS_RATE_PER_ADDRESS = env.list("COMMENTS_RATE_PER_ADDRESS", default=["20/hour"])
# An Akismet-compatible service, asked about every comment that passed our own checks.
# Off unless a URL is set (e.g. "https://rest.akismet.com"); the key only from the
# environment. No answer within the timeout: the comment is accepted (and logged).
COMMENTS_AKISMET_URL = env("COMMENTS_AKISMET_URL", default="")
COMMENTS_AKISMET_KEY = env("COMMENTS_AKISMET_KEY", default="")
COMMENTS_AKISMET_TIMEOUT_SECONDS = env.float("COMMENTS_AKISMET_TIMEOUT_SECONDS", default=3)

# --- Security headers (tightened further in production) ---------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}

# Content-Security-Policy (django-csp 4). Only our own assets; Swagger UI and ReDoc need
# inline styles and blob: workers, all served from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # Our own host, the media host and the image hosts the owner names (data: for
        # Swagger UI's and ReDoc's icons); never every host.
        "img-src": ["'self'", "data:", *([MEDIA_HOST] if MEDIA_HOST else []), *IMAGE_HOSTS],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        # Embeds: the providers' players only, inserted after a reader's click (embeds/).
        "frame-src": frame_origins(EMBEDS_EXTRA_PROVIDERS) or ["'none'"],
        # <video>/<audio> of our own media files.
        "media-src": ["'self'", *([MEDIA_HOST] if MEDIA_HOST else [])],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logging ----------------------------------------------------------------------------

LOG_LEVEL = env("DJANGO_LOG_LEVEL", default="INFO")
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="text")  # "json" in production
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "database_outage": {"()": "core.logs.DatabaseOutageFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Replaces Django's default console handler, which would print every line twice.
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # A 503 the client got is not logged as "Internal Server Error" (core/logs.py).
        "django.request": {"level": LOG_LEVEL, "filters": ["database_outage"]},
    },
}
