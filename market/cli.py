"""`flask --app wsgi market …` commands."""
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


def register(app: Flask) -> None:
    app.cli.add_command(market_cli)
