"""Settings for a deployment: secrets and hosts must come from the environment.

`manage.py check --deploy --fail-level WARNING` passes with these defaults (a test runs it).
HTTPS is assumed, usually terminated by a reverse proxy that sets X-Forwarded-Proto.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Behind a proxy Django sees plain HTTP; trust the proxy's header. Set
# DJANGO_SECURE_PROXY_SSL_HEADER="" when Django serves HTTPS itself (or no proxy strips a
# client's own X-Forwarded-Proto), otherwise a client could claim HTTPS.
_proxy_header = env("DJANGO_SECURE_PROXY_SSL_HEADER", default="HTTP_X_FORWARDED_PROTO")
SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None
# The same proxy's X-Forwarded-For gives the client's address to the per-IP rate limits.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "NUM_PROXIES": env.int("CONVSCOPE_NUM_PROXIES", default=1 if _proxy_header else 0),
}
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)

# HSTS starts at one hour: a wrong HTTPS set-up then locks browsers out only briefly. Raise
# DJANGO_SECURE_HSTS_SECONDS (e.g. 31536000) once HTTPS is known to work for every subdomain.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The header alone submits nothing; it only allows a later submission to the preload list.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# A public deployment does not hand out accounts unless told to.
CONVSCOPE_SIGNUP = env("CONVSCOPE_SIGNUP", default="approval")

# Scaling out (README, "Scaling out"): every machine runs with the same variables. Read in
# base.py: DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), CACHE_URL (shared throttle
# counters), STORAGE_URL (shared object store; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY go to
# boto3), CONVSCOPE_MEDIA_ROOT (this machine's copy), CELERY_WORKER_MAX_TASKS_PER_CHILD.
# Worker processes per machine; unset: one per CPU. A worker's --concurrency flag wins.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
