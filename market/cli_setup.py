"""`flask --app wsgi market setup`: what `make run` does before it serves, in one process (each `flask`
process spends seconds importing the app), saying which step it is on and how far it got."""

import time

import click

STEPS = 3
# Up to this many documents the index is built before the site opens (about a second per thousand); a bigger
# database opens at once and the worker builds the index, searches answering from the database meanwhile.
BUILD_BEFORE_SERVING = 20_000


@click.command("setup")
def setup_command():
    """Apply the migrations, load the demo data into an empty database and build the search index if there is
    none, each step with its progress."""
    from flask_migrate import upgrade

    started = time.monotonic()
    with _step(1, "数据库结构（迁移）"):
        upgrade()
    with _step(2, "演示数据（仅写入空数据库）"):
        load_demo()
    with _step(3, "搜索索引"):
        build_missing_index()
    click.echo(f"准备完成，共 {time.monotonic() - started:.1f} 秒")


class _step:
    def __init__(self, number: int, title: str):
        self.number, self.title = number, title

    def __enter__(self):
        self.started = time.monotonic()
        click.echo(f"[{self.number}/{STEPS}] {self.title}……")

    def __exit__(self, kind, *_):
        if kind is None:
            click.echo(
                f"[{self.number}/{STEPS}] {self.title}：完成（{time.monotonic() - self.started:.1f} 秒）"
            )


def load_demo() -> int:
    """The demo data, written only into a database without accounts; says what it did."""
    from seed import existing_accounts, is_loaded, load_demo_data, quick_sqlite_commits

    with quick_sqlite_commits():
        if not is_loaded() and (accounts := existing_accounts()):
            click.echo(f"数据库中已有 {accounts} 个账号：演示数据只写入空数据库，未做修改")
            return 0
        created = load_demo_data(progress=click.echo)
    click.echo("演示数据已存在，未做修改" if not created else f"已写入演示数据：{created}")
    return created


def build_missing_index() -> int:
    """Prepare the segmenter's dictionary and build this host's search index from the database if there is
    none yet (or it no longer reads); the worker applies later changes. Returns how many documents were
    indexed."""
    from market import search
    from market.services.indexing import count_documents, rebuild_index

    search.prepare_dictionary()  # once here, not by each web process on its first search
    engine = search.backend()
    if engine.is_built() and engine.is_healthy():
        click.echo("索引已就绪，后台任务进程会补上之后的改动")
        return 0
    total = count_documents()
    if total > BUILD_BEFORE_SERVING:
        click.echo(f"共 {total} 条：网站先启动，后台任务进程随后建索引（其间搜索从数据库回答）")
        return 0
    with click.progressbar(length=total, label="建立搜索索引", show_pos=True) as bar:
        done = [0]

        def progress(count):
            bar.update(count - done[0])
            done[0] = count

        count = rebuild_index(progress)
        bar.update(count - done[0])
    click.echo(f"已索引 {count} 条")
    return count
