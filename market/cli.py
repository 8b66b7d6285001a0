"""`flask --app wsgi market …` commands."""

import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from market.cli_contracts import rebuild_contract_rollup_command
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
    """Load the demo data in seed/ into an empty database (idempotent)."""
    from market.cli_setup import load_demo

    load_demo()


@market_cli.command("expire")
def expire_command():
    """Mark published demands past their deadline as expired."""
    from market.services.listings import expire_overdue_listings

    click.echo(f"已过期 {expire_overdue_listings()} 条需求")


@market_cli.command("reindex")
@click.option(
    "--processes",
    type=click.IntRange(1, 16),
    default=lambda: min(os.cpu_count() or 1, 4),
    show_default="CPU 核数，至多 4",
    help="并行建索引的进程数",
)
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
@click.option("--limit", default=20, show_default=True, help="最多列出多少条已搁置的任务")
def index_status_command(limit):
    """Pending outbox rows and event jobs, their oldest ages, documents per kind, and the parked jobs."""
    from market.services.event_jobs import job_counts, parked_jobs
    from market.services.indexing import index_status

    status = index_status()
    click.echo(f"索引游标: {status['cursor']}")
    click.echo(f"待索引: {status['pending']} 条（最早 {status['oldest_pending_seconds']} 秒前）")
    if status["documents"] is None:
        click.echo("  索引不可读：后台任务进程会从数据库重建")
    for kind, count in (status["documents"] or {}).items():
        click.echo(f"  {kind}: {count}")
    jobs = job_counts()
    click.echo(
        f"后台任务: 待处理 {jobs['pending']} 个（已到期 {jobs['due']} 个，"
        f"最早 {jobs['oldest_pending_seconds']} 秒前），"
        f"已搁置 {jobs['parked']} 个"
    )
    for job in parked_jobs(limit):
        click.echo(
            f"  #{job.id} {job.event} → {job.handler}（尝试 {job.attempts} 次）："
            f"{(job.last_error or '')[:200]}"
        )
    if jobs["parked"]:
        click.echo("用 `flask --app wsgi market retry-parked` 重试全部已搁置的任务（或 --id 指定）")


@market_cli.command("retry-parked")
@click.option("--id", "job_ids", type=int, multiple=True, help="只重试这些任务（可多次给出）")
def retry_parked_command(job_ids):
    """Send parked event jobs back to the worker with a fresh set of attempts."""
    from market.services.event_jobs import retry_parked_jobs

    click.echo(f"已重新排队 {retry_parked_jobs(ids=job_ids or None)} 个任务")


@market_cli.command("index-worker")
@click.option(
    "--interval",
    default=None,
    type=float,
    help="空闲时两次检查之间的秒数（默认 MARKET_WORKER_INTERVAL 或 0.2）",
)
@click.option("--once", is_flag=True, help="处理一轮后退出")
def index_worker_command(interval, once):
    """The worker: applies the search outbox, embeds listings, runs event jobs (notifications, follow-ups),
    expires demands, prunes, checks saved searches and stale deals; survives database restarts, a broken index
    and failing handlers. Logs JSON lines to stderr."""
    from flask import current_app

    from market import worker

    worker.configure_logging()
    if not worker.run_forever(
        interval if interval is not None else current_app.config["WORKER_INTERVAL"], once=once
    ):
        sys.exit(1)  # a lane died: systemd starts a fresh worker


@market_cli.command("embed")
def embed_command():
    """Compute matching vectors for published results and demands that lack current ones."""
    from sqlalchemy import func, select

    from market.extensions import db
    from market.models import Achievement, Demand
    from market.services.matching import backfill_vectors

    total = sum(
        db.session.scalar(select(func.count()).select_from(m).where(m.status == "published"))
        for m in (Achievement, Demand)
    )
    with click.progressbar(length=total, label="计算匹配向量", show_pos=True) as bar:
        computed = backfill_vectors(bar.update)
    click.echo(f"新计算 {computed} 条")


@market_cli.command("backup")
@click.argument("directory", type=click.Path(path_type=str))
def backup_command(directory):
    """Copy the database (one consistent snapshot), the attachments and a manifest with SHA-256 sums into
    DIRECTORY, which must be new or empty."""
    from market.services.backups import create_backup

    try:
        manifest = create_backup(directory, progress=click.echo)
    except DomainError as exc:
        _fail(exc)
    click.echo(
        f"数据库结构版本 {manifest['database']['alembic_revision']}；"
        f"{_describe_contracts(manifest['contracts'])}"
    )


@market_cli.command("restore")
@click.argument("directory", type=click.Path(path_type=str))
@click.option("--yes", is_flag=True, help="不询问，直接恢复")
@click.option(
    "--processes",
    type=click.IntRange(1, 16),
    default=lambda: min(os.cpu_count() or 1, 4),
    show_default="CPU 核数，至多 4",
    help="重建搜索索引的进程数",
)
def restore_command(directory, yes, processes):
    """Check a backup made by `market backup`, then replace the database and the attachments with it and
    rebuild the search index. Stop market-web and market-worker first."""
    from flask import current_app

    from market.services.backups import restore_backup

    def confirm(manifest):
        if yes:
            return True
        database = manifest["database"]
        click.echo(
            f"备份时间 {manifest['created_at']}，{database['kind']} 数据库，"
            f"结构版本 {database['alembic_revision']}，"
            f"{sum(manifest['tables'].values())} 行，{len(manifest['files'])} 个文件"
        )
        click.echo(_describe_contracts(manifest.get("contracts")))
        return click.confirm(
            f"恢复将覆盖当前数据库（{current_app.config['SQLALCHEMY_DATABASE_URI'].rsplit('@', 1)[-1]}）"
            "和附件目录的全部内容，之后的改动都会丢失。继续吗？",
            default=False,
        )

    try:
        report = restore_backup(directory, confirm, progress=click.echo, processes=processes)
    except DomainError as exc:
        _fail(exc)
    click.echo("\n恢复后的行数（备份清单 → 恢复后）：")
    width = max((len(name) for name, _, _ in report["tables"]), default=0)
    for name, expected, actual in report["tables"]:
        mark = "  （升级新建的表）" if expected is None else "" if expected == actual else "  ← 不一致"
        before, after = ("—" if n is None else n for n in (expected, actual))
        click.echo(f"  {name:<{width}}  {before:>8} → {after:>8}{mark}")
    expected, actual = report["contracts"]
    click.echo(f"备份清单：{_describe_contracts(expected)}")
    click.echo(f"恢复后：  {_describe_contracts(actual)}")
    if report["upgraded_from"]:
        click.echo(f"数据库结构已从 {report['upgraded_from']} 升级到当前版本（行数差异可能来自迁移）")
    click.echo(
        "其他主机请运行 `flask --app wsgi market reindex` 重建各自的索引，"
        "然后启动 market-web 和 market-worker"
    )
    if not report["matches"]:
        click.echo("恢复完成，但行数或合同金额与备份清单不一致（见上）", err=True)
        sys.exit(1)
    click.echo("恢复完成：行数和合同金额与备份清单一致")


def _describe_contracts(figures: dict | None) -> str:
    from market.money import fen_to_yuan

    if not figures:
        return "没有合同表"
    return (
        f"合同 {figures['count']} 份，金额合计 {fen_to_yuan(figures['amount_fen'])} 元"
        f"（{figures['amount_fen']} 分）；"
        f"已登记 {figures['registered']} 份，"
        f"核定技术交易额 {fen_to_yuan(figures['registered_recognised_fen'])} 元"
        f"（{figures['registered_recognised_fen']} 分）"
    )


def _in_scratch_database(path, corpus, work):
    """Run work(path, corpus_dir) in a fresh temporary database and in-memory index; returns what it
    returns."""
    import tempfile
    from pathlib import Path

    from flask import current_app
    from flask_migrate import upgrade

    corpus_dir = Path(corpus) if corpus else Path(path).parent / "corpus"
    if not (corpus_dir / "achievements.jsonl").exists() or not (corpus_dir / "demands.jsonl").exists():
        raise click.ClickException(
            f"找不到语料：{corpus_dir} 下应有 achievements.jsonl 和 demands.jsonl（可用 --corpus 指定）"
        )
    with tempfile.TemporaryDirectory(prefix="market-eval-") as scratch:
        create_app = current_app.extensions["market.create_app"]  # given by the factory: no import circle
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{scratch}/eval.db",
                "SEARCH_BACKEND": "memory",
                "INSTANCE_PATH": scratch,
                "SECRET_KEY": "eval",
                "MATCHING_NOTIFY": False,
            }
        )
        with app.app_context():
            upgrade()
            return work(path, corpus_dir)


@market_cli.command("eval-matching")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--corpus", type=click.Path(exists=True, file_okay=False), help="语料目录，默认 PATH/../corpus")
def eval_matching_command(path, corpus):
    """Load a labelled set into a fresh temporary database; print matching metrics per method and the
    calibration of the bands (the committed model, which was fitted on the development split: see fit-matching
    for its cross-validated figures)."""
    from market.evaluation.matching import calibration, evaluate

    report = _in_scratch_database(path, corpus, lambda p, c: evaluate(p, c, echo=click.echo))
    click.echo(format_evaluation(report))
    click.echo(format_calibration(calibration(report["pairs"])))


@market_cli.command("fit-matching")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--corpus", type=click.Path(exists=True, file_okay=False), help="语料目录，默认 PATH/../corpus")
@click.option("--dry-run", is_flag=True, help="只报告交叉验证结果，不写入模型文件")
def fit_matching_command(path, corpus, dry_run):
    """Fit the relevance model on a judged set (cross-validated by query) and write
    market/matching/match_model.json."""
    from market.evaluation.matching import evaluate, fit_model
    from market.matching import model as relevance

    command = f"flask --app wsgi market fit-matching {path}"
    report = _in_scratch_database(path, corpus, lambda p, c: evaluate(p, c, echo=click.echo, pool=True))
    model, cv = fit_model(report, command)
    click.echo(
        format_evaluation(
            {
                "results": {
                    name: {**methods, "combined": cv["metrics"][name]}
                    for name, methods in report["results"].items()
                },
                "refused": report["refused"],
            },
            "交叉验证（按查询 5 折）",
        )
    )
    click.echo(format_calibration(cv["calibration"], "交叉验证"))
    quality = cv["quality"]
    click.echo(
        f"\n{quality['pairs']} 对（相关 {quality['relevant']}），{quality['queries']} 个查询；"
        f"L2 = {quality['l2']}，对数损失 {quality['log_loss']}"
    )
    click.echo("\n| 特征 | 权重（标准化后） |\n|---|---|")
    for name, coef in zip(model.features, model.coef):
        click.echo(f"| {name} | {coef:+.3f} |")
    if dry_run:
        click.echo("\n未写入（--dry-run）")
        return
    relevance.save(model)
    click.echo(f"\n已写入 {relevance.MODEL_FILE}")


def format_evaluation(report: dict, label: str = "组合（本系统）") -> str:
    """A Markdown table per set: each method's metrics and the combined ranking's gain over the best
    baseline."""
    lines = []
    for name, methods in report["results"].items():
        lines += [
            f"\n### {name}（{methods['combined']['queries']} 个查询）",
            "",
            "| 方法 | nDCG@10 | Recall@10 | MRR | P@5 |",
            "|---|---|---|---|---|",
        ]
        for method, title in (("combined", label), ("bm25", "仅 BM25"), ("embedding", "仅向量")):
            m = methods[method]
            lines.append(
                f"| {title} | {m['ndcg@10']:.3f} | {m['recall@10']:.3f} | {m['mrr']:.3f} | {m['p@5']:.3f} |"
            )
        best = max(methods["bm25"]["ndcg@10"], methods["embedding"]["ndcg@10"])
        goal = min(1.15 * best, best + 0.4 * (1 - best))
        gain = (methods["combined"]["ndcg@10"] / best - 1) * 100 if best else 0.0
        verdict = "达到" if methods["combined"]["ndcg@10"] >= goal else "未达到"
        lines.append(f"\n相对最佳基线 nDCG@10 {gain:+.1f}%；目标 {goal:.3f}：{verdict}")
    if report["refused"]:
        lines.append(f"\n拒收 {len(report['refused'])} 条（数据不合规）：" + "；".join(report["refused"][:5]))
    return "\n".join(lines)


def format_calibration(tables: dict, label: str = "本系统排序的前 10 个推荐") -> str:
    """The band table (judged pairs, share relevant, share unrelated) and the reliability table by decile."""

    def share(value):
        return "—" if value is None else f"{value:.1%}"

    lines = [
        f"\n### 匹配等级的校准（{label}）",
        "",
        "| 等级 | 已评判 | 相关（≥2） | 无关（0） | 未评判 |",
        "|---|---|---|---|---|",
    ]
    for row in tables["bands"]:
        lines.append(
            f"| {row['band']} | {row['judged']} | {share(row['relevant'])} | {share(row['unrelated'])} | "
            f"{row['unjudged']} |"
        )
    lines += ["", "| 概率区间 | 已评判 | 平均预测 | 实际相关 |", "|---|---|---|---|"]
    for row in tables["reliability"]:
        lines.append(
            f"| {row['range']} | {row['pairs']} | {share(row['predicted'])} | {share(row['relevant'])} |"
        )
    return "\n".join(lines)


def register(app: Flask) -> None:
    market_cli.add_command(rebuild_contract_rollup_command)
    from market.cli_challenges import challenge_overdue_command
    from market.cli_setup import setup_command

    market_cli.add_command(challenge_overdue_command)
    market_cli.add_command(setup_command)
    app.cli.add_command(market_cli)
