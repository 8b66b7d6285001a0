"""Configuration: defaults here, overridden by MARKET_* environment variables."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    """Settings for development; production overrides them through the environment."""

    ENV = "development"  # production | development | testing; anything else refuses to start
    SECRET_KEY = None  # production: at least 32 characters
    DATABASE_URL = None  # defaults to SQLite in the instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None
    BOOTSTRAP_SERVE_LOCAL = True
    PER_PAGE = 20
    MAX_PER_PAGE = 100
    API_TOKEN_DAYS = 30
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = None  # production: True unless set; development serves plain HTTP
    PROXY_COUNT = 0  # reverse proxies in front of the app whose X-Forwarded-For names the client (nginx: 1)
    PUBLIC_URL = "http://127.0.0.1:5000"  # the site's address in mails (password reset links)
    # Mail: SMTP when MAIL_SERVER is set; otherwise messages are written to <instance>/mail/ (admins:
    # /admin/mail).
    MAIL_SERVER = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_SENDER = "秦创原科技大市场 <noreply@market.local>"
    # Sign-in throttling (page login and POST /api/v1/tokens): failures counted in the database; past these
    # many, a wait of 1, 2, 4 … minutes (at most an hour) before the next try.
    SIGN_IN_FREE_FAILURES_PER_ACCOUNT = 5
    SIGN_IN_FREE_FAILURES_PER_ADDRESS = 20
    # Request rates per client address (Flask-Limiter). Counters live in RATELIMIT_STORAGE_URI: memory://
    # counts per process; a redis:// URL shares them between the web workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATE_LIMIT_SIGN_IN = "30 per minute"  # page login and POST /api/v1/tokens
    RATE_LIMIT_REGISTRATION = "20 per hour"
    RATE_LIMIT_PASSWORD_RESET = "10 per hour"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SEARCH_BACKEND = "whoosh"  # on disk in SEARCH_PATH; "memory" for tests
    SEARCH_PATH = None  # defaults to <instance>/search
    # A web process loads what searching needs on a background thread from its first request on
    # (market/warmup.py); None means on, except under TESTING; MARKET_SEARCH_WARMUP=false turns it off.
    SEARCH_WARMUP = None
    # Tests only: run the worker's pass in the request right after each commit (as Celery's eager mode does),
    # so a test sees derived work at once. Production leaves all of it to `market index-worker`.
    INLINE_WORKER = False
    INLINE_WORKER_EMBEDS = (
        False  # the inline pass also embeds (~0.3 s per listing); matching tests turn it on
    )
    WORKER_INTERVAL = 0.2  # seconds the worker sleeps when it found nothing to do
    # After this many seconds (more than gunicorn's 30 s timeout) a request that claimed an Idempotency-Key
    # without keeping its response is known to have died after its commit: retries are sent to what it made.
    IDEMPOTENCY_RESPONSE_WAIT = 35
    # The dashboard and the stats API read whole months from the monthly rollup of registered contracts
    # (services/contract_rollup); False reads every figure from the contracts themselves (slower, the same
    # numbers), e.g. until `market rebuild-contract-rollup` has run after rows were written around the app.
    CONTRACT_STATS_ROLLUP = True
    MATCHING_NOTIFY = True  # notify organisations of strong matches for newly published listings
    # A suggestion is 强 at this probability that a broker would introduce the parties, 中 at the second;
    # below, it is only listed under 更多可能相关. Judged pairs at 0.8 and above were relevant four times in
    # five.
    MATCH_STRONG_PROBABILITY = 0.8
    MATCH_MEDIUM_PROBABILITY = 0.5
