"""`flask --app wsgi market rebuild-contract-rollup`: the contract statistics' monthly totals, recomputed."""

import time

import click
from flask.cli import with_appcontext

from market.money import format_fen


@click.command("rebuild-contract-rollup")
@with_appcontext
def rebuild_contract_rollup_command():
    """Recompute the monthly totals of registered contracts (dashboard, stats API) from the contracts."""
    from market.services import contract_rollup

    started = time.perf_counter()
    click.echo("重建技术合同月度汇总（按签订年份）…")
    report = contract_rollup.rebuild(progress=lambda text: click.echo(f"  {text}"))
    click.echo(
        f"已重建：{report['contracts']:,} 份已登记合同，成交额 {format_fen(report['amount_fen'])}；"
        f"{report['cells']:,} 个分类汇总行，{report['party_cells']:,} 个当事方汇总行"
        f"（用时 {time.perf_counter() - started:.1f} 秒）"
    )
