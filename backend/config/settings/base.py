"""Settings shared by every environment; the environment is read here, once."""

from pathlib import Path

import environ

ROOT_DIR = Path(__file__).resolve().parents[3]
env = environ.Env()
env.read_env(str(ROOT_DIR / ".env"), overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="convscope-insecure-dev-key-change-me-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

VAR_DIR = Path(env("CONVSCOPE_VAR_DIR", default=str(ROOT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server and the worker write to one file: wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # WAL lets the web server read while the worker writes; NORMAL sync is still crash-safe
    # in WAL mode and saves an fsync per commit.
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Every transaction takes the write lock when it begins: a deferred one that reads first
    # and writes later fails at once with "database is locked" if another wrote in between
    # (the busy timeout cannot help it), as registrations did beside a busy worker.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "backend.core",
    "backend.accounts",
    "backend.jobs",
    "backend.datasets",
    "backend.networks",
    "backend.uploads",
    "backend.analyses",
    "backend.reports",
    "backend.explanations",
    "backend.evaluations",
    "backend.sharing",
    "backend.features",
    "backend.annotations",
    "backend.comparisons",
    "backend.training",
    "backend.neighbourhoods",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.core.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The built Vue client (frontend/dist) is served by WhiteNoise under /static/.
FRONTEND_DIST = ROOT_DIR / "frontend" / "dist"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Users' uploads and results live here and are served only through authorised views.
MEDIA_ROOT = Path(env("CONVSCOPE_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# No public URL serves these; the path exists only because Django insists on one.
MEDIA_URL = "/_private-media/"
# An S3-compatible object store shared by every machine (s3://bucket/prefix?endpoint_url=…&
# region=…; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). When set, MEDIA_ROOT is
# each machine's local copy of it (backend.core.media); unset, MEDIA_ROOT is the only copy.
STORAGE_URL = env("STORAGE_URL", default="")
if STORAGE_URL:
    from backend.core.media import STORAGE_ALIAS, parse_storage_url

    STORAGES[STORAGE_ALIAS] = parse_storage_url(STORAGE_URL)

# Upload limits: images are checked again in worker.inputs.images; this stops oversized bodies
# early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CONVSCOPE_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Registering models and datasets in the browser: upload limits (over → 413) and the limits a
# dataset zip is checked against before anything is extracted (see worker.inputs.dataset_archive).
# The one model-size limit: the web upload (whole or in chunks), `manage.py register_network`
# and the static safety check (worker.runtime.model_safety, given it as an argument) all apply
# it. 600 MB admits VGG16 and VGG19 (about 530–550 MB as .keras files).
CONVSCOPE_MAX_MODEL_UPLOAD_BYTES = env.int("CONVSCOPE_MAX_MODEL_UPLOAD_BYTES", default=600 * 2**20)
# Chunked model uploads (POST /api/uploads/model-chunks/): each PUT carries at most this many
# bytes, streamed to a private staging file; unfinished uploads older than the age limit are
# removed, and a user may have only so many open at once.
CONVSCOPE_UPLOAD_CHUNK_MAX_BYTES = env.int("CONVSCOPE_UPLOAD_CHUNK_MAX_BYTES", default=16 * 2**20)
CONVSCOPE_UPLOAD_MAX_AGE_SECONDS = env.int("CONVSCOPE_UPLOAD_MAX_AGE_SECONDS", default=24 * 3600)
CONVSCOPE_UPLOADS_PER_USER = env.int("CONVSCOPE_UPLOADS_PER_USER", default=3)
# Build & train (backend/training): each user may keep this many trained networks and use this
# many seconds of training in all; a request past either is refused with the limit named.
CONVSCOPE_TRAINING_NETWORKS_PER_USER = env.int("CONVSCOPE_TRAINING_NETWORKS_PER_USER", default=5)
CONVSCOPE_TRAINING_SECONDS_PER_USER = env.int("CONVSCOPE_TRAINING_SECONDS_PER_USER", default=3600)
CONVSCOPE_MAX_DATASET_UPLOAD_BYTES = env.int(
    "CONVSCOPE_MAX_DATASET_UPLOAD_BYTES", default=200 * 2**20
)
CONVSCOPE_DATASET_MAX_UNCOMPRESSED_BYTES = env.int(
    "CONVSCOPE_DATASET_MAX_UNCOMPRESSED_BYTES", default=2 * 2**30
)
CONVSCOPE_DATASET_MAX_MEMBERS = env.int("CONVSCOPE_DATASET_MAX_MEMBERS", default=100_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backend.core.authentication.SessionAuthentication401"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "backend.core.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "backend.core.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front of Django whose X-Forwarded-For is trusted for the client's address;
    # None would let any client name its own address and slip past per-IP limits.
    "NUM_PROXIES": env.int("CONVSCOPE_NUM_PROXIES", default=0),
    # Used by backend.core.throttling: per IP for sign-in/sign-up/reset, per user for creating
    # uploads and jobs (reads are never limited).
    "DEFAULT_THROTTLE_RATES": {
        "login": env("CONVSCOPE_RATE_LOGIN", default="20/min"),
        "signup": env("CONVSCOPE_RATE_SIGNUP", default="10/hour"),
        "password-reset": env("CONVSCOPE_RATE_PASSWORD_RESET", default="10/hour"),
        "uploads": env("CONVSCOPE_RATE_UPLOADS", default="120/hour"),
        "jobs": env("CONVSCOPE_RATE_JOBS", default="600/hour"),
        # Everything behind a share link, per IP (a shared lesson fetches ~10 files a step).
        "shared": env("CONVSCOPE_RATE_SHARED", default="600/min"),
    },
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "ConvScope API",
    "DESCRIPTION": "Datasets, networks, uploads, analyses, explanations, dataset-level views "
    "and jobs of ConvScope.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files: the docs work on machines without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "kind": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "JobKindEnum": "backend.jobs.models.JobKind",
        "ExplanationKindEnum": "backend.explanations.models.ExplanationKind",
        "DatasetViewKindEnum": "backend.evaluations.models.DatasetViewKind",
        "FeatureVisKindEnum": "backend.features.models.FeatureVisKind",
        "ComparisonKindEnum": "backend.comparisons.models.ComparisonKind",
    },
}

LOGIN_URL = "/login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Throttle counters and sign-in failure counts. Per-process memory by default; with several web
# processes set CACHE_URL (e.g. redis://127.0.0.1:6379/1) so they share the counts.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A dead Redis costs a request two seconds and a 503 (core.exceptions), never a hang.
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=2, socket_timeout=2)

# Accounts. CONVSCOPE_SIGNUP: "open" (signed in at once), "approval" (an administrator
# activates the account) or "closed".
CONVSCOPE_SIGNUP = env("CONVSCOPE_SIGNUP", default="open")
CONVSCOPE_LOGIN_FAILURE_LIMIT = env.int("CONVSCOPE_LOGIN_FAILURE_LIMIT", default=10)
CONVSCOPE_LOGIN_FAILURE_WINDOW_S = env.int("CONVSCOPE_LOGIN_FAILURE_WINDOW_S", default=15 * 60)
# Password-reset mail: printed on the console unless a real backend is configured.
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="ConvScope <convscope@localhost>")

# Celery: the message carries only a job id; the job row is the truth.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=2000)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Every task is routed to a queue named by its workload, in one place: backend.core.queues.
CELERY_TASK_ROUTES = ("backend.core.queues.route_task",)
CELERY_TASK_SOFT_TIME_LIMIT = 120
# Multiply-adds a second the worker reaches: what cost estimates turn passes into seconds with
# (worker/runtime/cost.py measures 40 G on 2 cores; set yours, e.g. from `make bench`).
CONVSCOPE_COMPUTE_MACS = env.float("CONVSCOPE_COMPUTE_MACS", default=40e9)
CELERY_TASK_TIME_LIMIT = 180
# Per-task time limits overriding the tasks' own, "name=soft:hard" separated by commas (e.g.
# "features.run_feature_vis=600:660"), for installations with slower or faster machines (and
# for tests of the time-limit path).
CELERY_TASK_ANNOTATIONS = {
    name.strip(): {"soft_time_limit": float(soft), "time_limit": float(hard)}
    for name, _, limits in (
        item.partition("=") for item in env.list("CONVSCOPE_TASK_TIME_LIMITS", default=[])
    )
    for soft, _, hard in [limits.partition(":")]
}
# Longer than twice the longest hard limit, so a long task is never delivered twice by Redis.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "retry_on_timeout": False,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A new child loads TensorFlow and warms the networks before it reports "up": Celery's 4 s default
# kills slow-starting children in a loop on a busy machine.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = env.float("CELERY_WORKER_PROC_ALIVE_TIMEOUT", default=180.0)
# What a new worker child warms up before its first job (backend/analyses/warmup.py): the
# smallest networks first, within this much estimated memory and time; the rest load on use.
CONVSCOPE_WARM_UP_BYTES = env.int("CONVSCOPE_WARM_UP_BYTES", default=1 << 30)
CONVSCOPE_WARM_UP_SECONDS = env.float("CONVSCOPE_WARM_UP_SECONDS", default=20)
# Workers are recycled after this many tasks or this much resident memory (KiB) per child.
# 8 GB: a child holding VGG16 (138 M parameters, in the model, its extractor and attribution
# model) sits above 4 GB, and at 4 GB it was replaced after every VGG16 job, each next job
# loading it again (~45 s).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=8_000_000
)
# Beat (run once per installation) re-queues jobs whose worker died: backend.jobs.sweeper.
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "jobs.sweep",
        "schedule": env.float("CONVSCOPE_SWEEP_EVERY_S", default=30.0),
    }
}
# Stored analysis results (backend.analyses.storage, retention). Per analysis, layer activations
# are kept on disk up to this many bytes (all of them, exact, when they fit; else float16, the
# smallest first); the rest are computed on request. Results of a user beyond the quota, or
# unused for the age limit, lose their layer files (oldest first; recomputed on request), by
# `manage.py prune_results` and by beat every CONVSCOPE_PRUNE_EVERY_S.
ANALYSIS_STORE_BUDGET_BYTES = env.int("ANALYSIS_STORE_BUDGET_BYTES", default=12 * 1024 * 1024)
RESULT_QUOTA_BYTES_PER_USER = env.int("RESULT_QUOTA_BYTES_PER_USER", default=2 * 1024**3)
RESULT_MAX_AGE_DAYS = env.float("RESULT_MAX_AGE_DAYS", default=30.0)
CELERY_BEAT_SCHEDULE["prune-results"] = {
    "task": "analyses.prune_results",
    "schedule": env.float("CONVSCOPE_PRUNE_EVERY_S", default=3600.0),
}
# A running job's worker touches its row this often; a row untouched for the lease (or whose
# worker process on this machine is gone) belongs to a dead worker and is run again, at most
# CONVSCOPE_JOB_MAX_DELIVERIES times in all: a job that keeps killing its worker is "poison".
CONVSCOPE_JOB_HEARTBEAT_S = env.float("CONVSCOPE_JOB_HEARTBEAT_S", default=10.0)
CONVSCOPE_JOB_LEASE_S = env.float("CONVSCOPE_JOB_LEASE_S", default=60.0)
CONVSCOPE_JOB_MAX_DELIVERIES = 3
# How long the web process waits on the broker before answering 503.
CONVSCOPE_ENQUEUE_TIMEOUT_S = 3.0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
