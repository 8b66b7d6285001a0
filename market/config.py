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
    MATCHING_EMBED_ON_COMMIT = True  # False leaves embedding to the index worker (the test suite's default)
    MATCHING_NOTIFY = True  # notify organisations of strong matches for newly published listings
