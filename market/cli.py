"""`flask --app wsgi market …` commands."""
import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from market.errors import DomainError

market_cli = AppGroup("market", help="秦创原科技大市场 管理命令")


def _fail(exc: DomainError) -> None:
    click.echo(f"错误：{exc.message}", err=True)
    for name, message in exc.fields.items():
        click.echo(f"  {name}: {message}", err=True)
    sys.exit(1)


@market_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["university", "enterprise", "broker", "admin"]))
@click.option("--org", "org_name", required=True, help="单位名称；不存在时按身份创建并认证")
@click.option("--name", "display_name", default=None, help="显示名称")
def create_user_command(email, password, role, org_name, display_name):
    """Create a user in a verified organisation."""
    from market.services.accounts import create_user

    try:
        user = create_user(email, password, role, org_name, display_name)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"已创建用户 {user.email}（{user.role_label}，{user.organisation.name}）")


@market_cli.command("seed")
def seed_command():
    """Load the demo data in seed/ (idempotent)."""
    from seed import load_demo_data

    created = load_demo_data(progress=lambda text: click.echo(text))
    click.echo("演示数据已存在，未做修改" if not created else f"已写入演示数据：{created}")


@market_cli.command("expire")
def expire_command():
    """Mark published demands past their deadline as expired."""
    from market.services.listings import expire_overdue_listings

    click.echo(f"已过期 {expire_overdue_listings()} 条需求")


@market_cli.command("reindex")
@click.option("--processes", type=click.IntRange(1, 16), default=lambda: min(os.cpu_count() or 1, 4), show_default="CPU 核数，至多 4",
              help="并行建索引的进程数")
def reindex_command(processes):
    """Rebuild the search index from the database (searches keep working meanwhile)."""
    from market.services.indexing import count_documents, rebuild_index

    total = count_documents()
    with click.progressbar(length=total, label="重建搜索索引", show_pos=True) as bar:
        done = [0]

        def progress(count):
            bar.update(count - done[0])
            done[0] = count

        count = rebuild_index(progress, processes)
        bar.update(count - done[0])
    click.echo(f"已索引 {count} 条")


@market_cli.command("index-status")
def index_status_command():
    """Pending outbox rows, the oldest one's age, and documents per kind."""
    from market.services.indexing import index_status

    status = index_status()
    click.echo(f"索引游标: {status['cursor']}")
    click.echo(f"待处理: {status['pending']} 条（最早 {status['oldest_pending_seconds']} 秒前）")
    for kind, count in status["documents"].items():
        click.echo(f"  {kind}: {count}")


@market_cli.command("index-worker")
@click.option("--interval", default=1.0, show_default=True, help="两次检查之间的秒数")
@click.option("--once", is_flag=True, help="处理一次后退出")
def index_worker_command(interval, once):
    """Apply the search outbox continuously; also expires overdue demands and prunes the outbox."""
    import signal
    import time

    from market.search import IndexBusy
    from market.services.indexing import drain, ensure_index_ready, prune_outbox
    from market.services.listings import expire_overdue_listings

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    if ensure_index_ready():
        click.echo("搜索索引缺失或已损坏，已从数据库重建")
    last_sweep = 0.0
    while not stopping:
        try:
            if time.monotonic() - last_sweep > 600:
                expired = expire_overdue_listings()
                pruned = prune_outbox()
                last_sweep = time.monotonic()
                if expired or pruned:
                    click.echo(f"过期需求 {expired} 条，清理已索引记录 {pruned} 条")
            applied = drain(timeout=10.0)
            if applied:
                click.echo(f"已更新索引 {applied} 条")
        except IndexBusy:
            pass
        except KeyboardInterrupt:
            break
        if once:
            break
        time.sleep(interval)


def register(app: Flask) -> None:
    app.cli.add_command(market_cli)
