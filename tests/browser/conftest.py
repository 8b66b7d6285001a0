"""Browser fixtures: one headless Chromium per session, a live server per test, a fresh context per user.

The live server runs its own app object (CSRF enabled, as in production) on the test database of the
`app` fixture's backend, so every journey runs on SQLite and on PostgreSQL.
"""

import os
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from market import create_app, worker
from market.extensions import db as _db
from tests.conftest import PASSWORD

# When a page closes while the test server is still sending it a static file (the favicon, mostly), the
# connection drops and werkzeug leaves that file for the garbage collector to close, which the suite's
# "warnings are errors" turns into a failure of whichever test is running. Only that case is let through.
STATIC_FILE_LEFT_OPEN = (
    "ignore:Exception ignored in. <_io.FileIO name='[^']*/static/:pytest.PytestUnraisableExceptionWarning",
    "ignore:unclosed file <_io.BufferedReader name='[^']*/static/:ResourceWarning",
)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("browser"):
            for rule in STATIC_FILE_LEFT_OPEN:
                item.add_marker(pytest.mark.filterwarnings(rule))


CHROMIUM = os.environ.get("MARKET_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


class Chromium:
    """Launches the system Chromium once, on first use inside a test, so a missing browser FAILS each test
    (with the reason) instead of skipping it or erroring in setup."""

    def __init__(self):
        self.playwright = self.browser = self.problem = None

    def get(self):
        if self.browser is None and self.problem is None:
            self.problem = self._launch()
        if self.problem:
            pytest.fail(self.problem, pytrace=False)
        return self.browser

    def _launch(self) -> str | None:
        if not os.path.exists(CHROMIUM):
            return (
                f"浏览器测试需要 Chromium：{CHROMIUM} 不存在。请安装 chromium（apt-get install chromium）"
                f"或用 MARKET_TEST_CHROMIUM 指定其路径。"
            )
        self.playwright = sync_playwright().start()
        try:
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            return f"无法启动 Chromium（{CHROMIUM}）：{exc}"
        return None

    def close(self):
        if self.browser:
            self.browser.close()
        if self.playwright:
            self.playwright.stop()


@pytest.fixture(scope="session")
def chromium():
    """One headless browser for the whole session."""
    launcher = Chromium()
    yield launcher
    launcher.close()


def _work(live_app, stopping: threading.Event, embeds: bool) -> None:
    """The worker beside the web server, as `make run` starts it: passes until the test ends."""
    with live_app.app_context():
        tasks = [task for task in worker.default_tasks() if embeds or task.name != "vectors"]
        while not stopping.is_set():
            if not worker.run_pass(tasks):
                stopping.wait(0.1)
        _db.session.remove()


@contextmanager
def serve(app, embeds: bool = True):
    """The real app served over HTTP from a background thread, its worker in another; yields its base URL.
    embeds=False leaves the matching vectors out of the worker's work (a minute of CPU for the demo data)."""
    live_app = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "browser-test-secret",
            "INSTANCE_PATH": app.instance_path,
            "WTF_CSRF_ENABLED": True,
        }
    )
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    stopping = threading.Event()
    background = threading.Thread(
        target=_work, args=(live_app, stopping, embeds), name="live-worker", daemon=True
    )
    thread.start()
    background.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        stopping.set()
        background.join(timeout=30)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with live_app.app_context():
            _db.engine.dispose()


@pytest.fixture
def live_server(app):
    """The real app served over HTTP, with its worker; yields its base URL."""
    with serve(app) as url:
        yield url


class PageProblems:
    """What went wrong behind the user's back: requests off this host, script errors, server errors."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.external, self.script_errors, self.server_errors, self.broken_assets = [], [], [], []
        self.csp_violations = []

    def watch(self, context):
        context.route(lambda url: not url.startswith(self.base_url), self._block)
        context.on(
            "weberror",
            lambda error: self.script_errors.append(f"{error.page and error.page.url}: {error.error}"),
        )
        context.on("console", self._check_console)
        context.on("response", self._check_response)

    def _block(self, route):
        self.external.append(route.request.url)
        route.abort()

    def _check_console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(f"{message.page and message.page.url}: {message.text}")

    def _check_response(self, response):
        path = urlsplit(response.url).path
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {path}")
        elif (
            response.status >= 400
            and response.request.resource_type in ("stylesheet", "script", "font", "image")
            and path != "/favicon.ico"
        ):
            self.broken_assets.append(f"{response.status} {path}")

    def assert_none(self):
        assert not self.external, f"页面请求了外部地址（应全部本地加载）：{self.external}"
        assert not self.script_errors, f"页面脚本出错：{self.script_errors}"
        assert not self.server_errors, f"服务器错误：{self.server_errors}"
        assert not self.broken_assets, f"静态资源加载失败：{self.broken_assets}"
        assert not self.csp_violations, f"页面违反了内容安全策略（CSP）：{self.csp_violations}"


@pytest.fixture
def new_page(chromium, live_server):
    """new_page() opens a page in a fresh browser context: one context per person, nothing shared."""
    problems = PageProblems(live_server)
    contexts = []

    def make():
        context = chromium.get().new_context(
            base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        problems.watch(context)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    problems.assert_none()


@pytest.fixture
def sign_in():
    """Sign a user in through the login page, as a person would."""

    def do(page, email, password=PASSWORD):
        page.goto("/login")
        page.get_by_label("邮箱").fill(email)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()
        return page

    return do
