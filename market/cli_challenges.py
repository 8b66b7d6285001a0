"""`flask --app wsgi market challenge-overdue`: flag the 揭榜挂帅 milestones that fell overdue (the worker
does it hourly too)."""

import click
from flask.cli import with_appcontext


@click.command("challenge-overdue")
@with_appcontext
def challenge_overdue_command():
    """Tell the call's owner and the deal's broker, once per milestone, that a milestone is overdue."""
    from market.services import challenges

    flagged = challenges.notify_overdue_milestones()
    click.echo(
        f"新发现逾期里程碑 {flagged} 个，已通知发榜单位和对接经纪人" if flagged else "没有新的逾期里程碑"
    )
