"""The factory, configuration and the command line."""

import pytest
from click.testing import CliRunner  # noqa: F401  (flask's runner wraps it)

from market import create_app
from market.models import Organisation, User


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="MARKET_SECRET_KEY"):
        create_app({"ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_environment_variables_configure_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKET_SECRET_KEY", "from-env")
    monkeypatch.setenv("MARKET_DATABASE_URL", "postgres://u@localhost/db")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/db"


def test_factory_resolves_templates_from_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app({"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    assert app.jinja_env.get_template("base.html") is not None


def test_create_user_command_makes_a_verified_organisation(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "market",
            "create-user",
            "--email",
            "Admin@Example.cn",
            "--password",
            "Secret-2026",
            "--role",
            "admin",
            "--org",
            "秦创原平台运营中心",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(email="admin@example.cn").one()
    assert user.role == "admin" and user.organisation.kind == "government" and user.organisation.is_verified
    again = runner.invoke(
        args=[
            "market",
            "create-user",
            "--email",
            "b@example.cn",
            "--password",
            "Secret-2026",
            "--role",
            "university",
            "--org",
            "秦创原平台运营中心",
        ]
    )
    assert again.exit_code == 0
    assert db.session.query(Organisation).filter_by(name="秦创原平台运营中心").count() == 1


def test_create_user_command_reports_bad_input_in_chinese(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "market",
            "create-user",
            "--email",
            "bad",
            "--password",
            "short",
            "--role",
            "broker",
            "--org",
            "某机构",
        ]
    )
    assert result.exit_code == 1 and "邮箱格式不正确" in result.output and "密码至少10位" in result.output
    assert db.session.query(User).count() == 0


def test_forms_reject_posts_without_a_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    user = make_user("university")
    response = client.post("/login", data={"email": user.email, "password": "Passw0rd!"})
    assert response.status_code == 302 and "/login" not in response.headers.get("Location", "/")
    with client.session_transaction() as session:
        assert "_user_id" not in session
