"""秦创原科技大市场: the application factory."""

import importlib
import logging
import os
import secrets

from flask import Flask

from market import security
from market.config import PROJECT_ROOT, DefaultConfig

# Modules whose handlers subscribe to domain events (market.events): imported by every process, so that the
# web, the worker and the commands all queue the same handlers for an event.
SUBSCRIBERS = (
    "market.services.bookings",
    "market.services.challenges",
    "market.services.contracts",
    "market.services.deals",
    "market.services.follows",
    "market.services.password_resets",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the app from defaults, MARKET_* environment variables and `config`; touches no database."""
    config = dict(config or {})
    instance_path = (
        config.get("INSTANCE_PATH")
        or os.environ.get("MARKET_INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance")
    )
    app = Flask(
        "market",
        root_path=str(PROJECT_ROOT / "market"),
        instance_path=os.path.abspath(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("MARKET")
    app.config.update(config)
    security.check_environment(app)
    _configure_database(app)
    _configure_secret(app)

    from market import cli, extensions, search, submissions, views, worker
    from market.api import api_bp
    from market.services import contract_rollup, indexing
    from market.services.accounts import load_user

    for module in SUBSCRIBERS:
        importlib.import_module(module)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(PROJECT_ROOT / "migrations"))
    app.before_request(security.allow_large_requests)  # first: before CSRF reads the body
    extensions.csrf.init_app(app)
    extensions.bootstrap.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.login_manager.login_view = "auth.login"
    extensions.login_manager.login_message = "请先登录"
    extensions.login_manager.login_message_category = "warning"
    extensions.login_manager.user_loader(load_user)

    security.init_app(app)
    search.init_app(app)
    indexing.install()
    contract_rollup.install()
    worker.install()
    submissions.init_app(app)

    extensions.csrf.exempt(api_bp)  # the API authenticates with bearer tokens only, never cookies
    app.register_blueprint(api_bp)
    views.register(app)
    cli.register(app)
    app.extensions["market.create_app"] = create_app  # commands that need a second app (eval-matching)
    return app


def _configure_database(app: Flask) -> None:
    url = app.config.get("DATABASE_URL")
    if not url:
        # The default SQLite file lives in the instance folder, which must exist for SQLite to open it.
        os.makedirs(app.instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(app.instance_path, "market.db")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


def _configure_secret(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        # from_prefixed_env parses values as JSON: a numeric key would arrive as an int.
        app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"])
        return
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    logging.getLogger(__name__).warning("MARKET_SECRET_KEY 未设置：开发模式使用随机密钥，重启后需重新登录")
