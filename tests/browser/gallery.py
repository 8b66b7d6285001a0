"""`make screenshots`: every page for every demo role at desktop and phone widths, in docs/screenshots/.

Seeds a temporary database with the demo data (`flask --app wsgi market seed`, the search index, the matching
vectors), serves the app from it on a free local port with its worker beside it, signs in as each demo role
in headless Chromium and photographs every page of tests/browser/pages.py at 1366 and 390 px. Writes
docs/screenshots/index.html, a gallery of all of them, which also marks the pages that scroll sideways on a
phone. Nothing is left behind but the pictures: the database is deleted at the end.

    .venv/bin/python -m tests.browser.gallery [--out DIR] [--role ROLE …] [--width PX …]
                                              [--keep-db | --db DIR]
"""

import argparse
import html
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (1366, 390)
HEIGHTS = {1366: 900, 390: 844}


def main(argv=None) -> int:
    from tests.browser.pages import ROLES

    parser = argparse.ArgumentParser(description="每个演示角色的每个页面：桌面与手机宽度截图")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="截图目录")
    parser.add_argument("--role", action="append", choices=ROLES, help="只截这些角色（可重复）")
    parser.add_argument("--width", action="append", type=int, help="只截这些宽度（像素，可重复）")
    parser.add_argument("--keep-db", action="store_true", help="保留临时数据库（打印其位置）")
    parser.add_argument("--db", help="用这个目录里已准备好的数据库（--keep-db 留下的），不再重新写入")
    args = parser.parse_args(argv)
    out = Path(args.out)
    work = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="market-screenshots-"))
    started = time.monotonic()
    try:
        env = _environment(work)
        if not args.db:
            _prepare_database(env)
        shots = _photograph(env, out, args.role or ROLES, tuple(args.width or WIDTHS))
    finally:
        if args.keep_db or args.db:
            print(f"数据库保留在 {work}（下次可用 --db {work}）")
        else:
            shutil.rmtree(work, ignore_errors=True)
    _write_index(out, shots)
    wide = sum(1 for shot in shots if shot["scrolls"])
    print(
        f"完成：{len(shots)} 张截图，用时 {time.monotonic() - started:.0f} 秒；"
        f"{wide} 张在手机宽度横向滚动。打开 {out / 'index.html'} 查看。"
    )
    return 0


def _environment(work: Path) -> dict:
    env = dict(os.environ)
    env.update(
        MARKET_DATABASE_URL=f"sqlite:///{work / 'market.db'}",
        MARKET_INSTANCE_PATH=str(work),
        MARKET_SECRET_KEY="screenshots-" + "x" * 32,
        MARKET_ENV="development",
    )
    return env


def _prepare_database(env: dict) -> None:
    """The same steps as `make run`, on the temporary database: migrate, seed, index, embed."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    steps = [
        ("建表（迁移）", ["db", "upgrade"]),
        ("写入演示数据", ["market", "seed"]),
        ("建搜索索引", ["market", "reindex"]),
        ("计算匹配向量（约 1–2 分钟）", ["market", "embed"]),
    ]
    for number, (label, command) in enumerate(steps, 1):
        print(f"[准备 {number}/{len(steps)}] {label}", flush=True)
        quiet = command[0] == "db"  # alembic's INFO lines say nothing useful here
        subprocess.run(
            flask + command,
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=subprocess.DEVNULL if quiet else None,
        )


class _Server:
    """The app on a free local port, its worker beside it (notifications, the index), until stopped."""

    def __init__(self, env: dict):
        from werkzeug.serving import make_server

        from market import create_app

        self.app = create_app(
            {
                "DATABASE_URL": env["MARKET_DATABASE_URL"],
                "INSTANCE_PATH": env["MARKET_INSTANCE_PATH"],
                "SECRET_KEY": env["MARKET_SECRET_KEY"],
            }
        )
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one progress line a page, not seven
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.server.serve_forever, daemon=True),
            threading.Thread(target=self._work, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        from market import worker
        from market.extensions import db

        with self.app.app_context():
            tasks = worker.default_tasks()
            while not self.stopping.is_set():
                if not worker.run_pass(tasks):
                    self.stopping.wait(0.2)
            db.session.remove()

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        for thread in self.threads:
            thread.join(timeout=30)


def _photograph(env: dict, out: Path, roles, widths) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.pages import pages_for

    server = _Server(env)
    try:
        with server.app.app_context():
            plan = {role: pages_for(server.app, role) for role in roles}
        total = sum(len(pages) for pages in plan.values()) * len(widths)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        shots, done = [], 0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for role, pages in plan.items():
                context = browser.new_context(base_url=server.url, locale="zh-CN")
                page = context.new_page()
                sign_in(page, role)
                (out / role).mkdir()
                for width in widths:
                    page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
                    for number, target in enumerate(pages, 1):
                        done += 1
                        shot = _shoot(page, out, role, width, number, target)
                        shots.append(shot)
                        flag = "  ← 横向滚动" if shot["scrolls"] else ""
                        print(
                            f"[{done}/{total}] {role} {width}px {target.path} {shot['status']}{flag}",
                            flush=True,
                        )
                context.close()
            browser.close()
    finally:
        server.stop()
    return shots


def sign_in(page, role: str) -> None:
    """Sign the demo account of a role in through the login page (the visitor stays signed out)."""
    from tests.browser.pages import ACCOUNTS, PASSWORD

    if ACCOUNTS[role] is None:
        return
    page.goto("/login")
    page.get_by_label("邮箱").fill(ACCOUNTS[role])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _shoot(page, out: Path, role: str, width: int, number: int, target) -> dict:
    response = page.goto(target.path)
    slug = re.sub(r"[^a-z0-9]+", "-", target.path.lower()).strip("-") or "home"
    file = f"{role}/{number:02d}-{slug}-{width}.png"
    page.screenshot(path=str(out / file), full_page=True)
    metrics = page.evaluate(
        "({scroll: document.scrollingElement.scrollWidth, height: document.scrollingElement.scrollHeight,"
        " title: document.title})"
    )
    return {
        "role": role,
        "width": width,
        "path": target.path,
        "name": target.name,
        "file": file,
        "status": response.status if response else 0,
        "title": metrics["title"],
        "height": metrics["height"],
        "scrolls": metrics["scroll"] > width,
    }


def _write_index(out: Path, shots: list[dict]) -> None:
    from tests.browser.pages import ROLE_NAMES

    by_page: dict = {}
    for shot in shots:
        by_page.setdefault((shot["role"], shot["path"]), []).append(shot)
    sections, current = [], None
    for (role, path), group in by_page.items():
        if role != current:
            if current is not None:
                sections.append("</div></section>")
            sections.append(
                f'<section id="{role}"><h2>{html.escape(ROLE_NAMES[role])}</h2><div class="grid">'
            )
            current = role
        cells = []
        for shot in group:
            warn = ' <b class="warn">横向滚动</b>' if shot["scrolls"] else ""
            cells.append(
                f'<a href="{shot["file"]}"><img loading="lazy" class="w{shot["width"]}" src="{shot["file"]}" '
                f'alt="{html.escape(path)} {shot["width"]}px"><small>{shot["width"]} px · '
                f"{shot['height']} px 高{warn}</small></a>"
            )
        title = html.escape(group[0]["title"].removesuffix(" · 秦创原科技大市场"))
        status = "" if group[0]["status"] == 200 else f' <b class="warn">HTTP {group[0]["status"]}</b>'
        sections.append(
            f"<figure><figcaption><code>{html.escape(path)}</code> {title}{status}</figcaption>"
            f'<div class="pair">{"".join(cells)}</div></figure>'
        )
    if current is not None:
        sections.append("</div></section>")
    nav = " · ".join(
        f'<a href="#{role}">{html.escape(ROLE_NAMES[role])}</a>'
        for role in dict.fromkeys(s["role"] for s in shots)
    )
    (out / "index.html").write_text(
        _PAGE.format(
            when=time.strftime("%Y-%m-%d %H:%M"),
            widths=" 与 ".join(f"{w} px" for w in dict.fromkeys(s["width"] for s in shots)),
            count=len(shots),
            nav=nav,
            body="\n".join(sections),
        ),
        encoding="utf-8",
    )


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>秦创原科技大市场 · 页面截图</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 1rem 2rem; color: #212529; }}
nav {{ position: sticky; top: 0; background: #fff; padding: .5rem 0; border-bottom: 1px solid #dee2e6; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 1.5rem; }}
figure {{ margin: 0; border: 1px solid #dee2e6; border-radius: .5rem; padding: .5rem; }}
figcaption {{ margin-bottom: .5rem; overflow-wrap: anywhere; }}
.pair {{ display: flex; gap: .5rem; align-items: flex-start; }}
.pair a {{ display: flex; flex-direction: column; text-decoration: none; color: #6c757d; }}
.pair img {{ border: 1px solid #ced4da; max-height: 32rem; object-fit: cover; object-position: top; }}
img.w1366 {{ width: 17rem; }} img.w390 {{ width: 7rem; }}
.warn {{ color: #dc3545; }}
</style></head><body>
<h1>秦创原科技大市场 · 页面截图</h1>
<p>{when} 由 <code>make screenshots</code> 生成：演示数据，每个角色的每个页面，
宽度 {widths}，共 {count} 张。点击缩略图看整页。</p>
<nav>{nav}</nav>
{body}
</body></html>
"""


if __name__ == "__main__":
    sys.exit(main())
