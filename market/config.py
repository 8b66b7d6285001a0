"""Configuration: defaults here, overridden by MARKET_* environment variables."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    """Settings for development; production overrides them through the environment."""

    ENV = "development"
    SECRET_KEY = None
    DATABASE_URL = None  # defaults to SQLite in the instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None
    BOOTSTRAP_SERVE_LOCAL = True
    PER_PAGE = 20
    MAX_PER_PAGE = 100
    API_TOKEN_DAYS = 30
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SEARCH_BACKEND = "whoosh"  # on disk in SEARCH_PATH; "memory" for tests
    SEARCH_PATH = None  # defaults to <instance>/search
    # Tests only: run the worker's pass in the request right after each commit (as Celery's eager mode does), so
    # a test sees derived work at once. Production leaves all of it to `market index-worker`.
    INLINE_WORKER = False
    INLINE_WORKER_EMBEDS = False  # the inline pass also embeds (~0.3 s per listing); matching tests turn it on
    WORKER_INTERVAL = 0.2  # seconds the worker sleeps when it found nothing to do
    # After this many seconds (more than gunicorn's 30 s timeout) a request that claimed an Idempotency-Key without
    # keeping its response is known to have died after its commit: retries are sent to what it made.
    IDEMPOTENCY_RESPONSE_WAIT = 35
    MATCHING_NOTIFY = True  # notify organisations of strong matches for newly published listings
    # A suggestion is 强 at this probability that a broker would introduce the parties, 中 at the second; below, it
    # is only listed under 更多可能相关. Judged pairs at 0.8 and above were relevant four times in five.
    MATCH_STRONG_PROBABILITY = 0.8
    MATCH_MEDIUM_PROBABILITY = 0.5
