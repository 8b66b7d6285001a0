"""`make run` as a user types it, with a stand-in `flask` that records how it was called: PORT and HOST reach
the web server, mailed links follow them, one development key is kept across runs."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def make_run(tmp_path):
    """Run `make run ARGS…` with a virtualenv whose `flask` writes its arguments and environment to a log."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    calls = tmp_path / "calls.log"
    flask = venv / "bin" / "flask"
    flask.write_text(f'#!/bin/sh\necho "$* | url=$MARKET_PUBLIC_URL | key=$MARKET_SECRET_KEY" >> {calls}\n')
    flask.chmod(flask.stat().st_mode | stat.S_IXUSR)
    for stamp in (".installed", ".installed-dev"):  # newer than requirements*.txt: nothing to install
        (venv / stamp).touch()
        os.utime(venv / stamp, (4_000_000_000, 4_000_000_000))
    instance = tmp_path / "instance"
    base_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MARKET_PUBLIC_URL", "MARKET_SECRET_KEY", "MAKEFLAGS")
    }

    def run(*args, **env):
        calls.unlink(missing_ok=True)
        result = subprocess.run(
            ["make", "--no-print-directory", "run", f"VENV={venv}", *args],
            cwd=ROOT,
            env={**base_env, "MARKET_INSTANCE_PATH": str(instance), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        lines = calls.read_text().splitlines()
        setup = next(line for line in lines if line.startswith("--app wsgi market setup"))
        serve = next(line for line in lines if line.startswith("--app wsgi run "))
        return result.stdout, setup, serve, instance

    return run


def test_make_run_serves_on_the_port_it_is_given_and_mails_links_to_it(make_run):
    output, setup, serve, _ = make_run("PORT=5050")
    assert serve.startswith("--app wsgi run --host 127.0.0.1 --port 5050 |")
    assert "url=http://127.0.0.1:5050 " in serve and "url=http://127.0.0.1:5050 " in setup
    assert "http://127.0.0.1:5050" in output  # the step it announces says where to look


def test_make_run_defaults_to_port_5000_on_localhost(make_run):
    _, _, serve, _ = make_run()
    assert (
        serve.startswith("--app wsgi run --host 127.0.0.1 --port 5000 |")
        and "url=http://127.0.0.1:5000 " in serve
    )


def test_make_run_on_all_interfaces_keeps_a_usable_link_unless_one_is_given(make_run):
    _, _, serve, _ = make_run("HOST=0.0.0.0", "PORT=8000")
    assert (
        serve.startswith("--app wsgi run --host 0.0.0.0 --port 8000 |")
        and "url=http://127.0.0.1:8000 " in serve
    )
    _, _, serve, _ = make_run("HOST=0.0.0.0", MARKET_PUBLIC_URL="https://market.example.cn")
    assert "url=https://market.example.cn " in serve


def test_make_run_keeps_one_private_development_key_across_runs(make_run):
    _, setup, serve, instance = make_run()
    key_file = instance / "dev-secret-key"
    key = key_file.read_text().strip()
    assert len(key) == 64 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert setup.endswith(f"key={key}") and serve.endswith(f"key={key}")
    _, _, serve_again, _ = make_run()
    assert serve_again.endswith(f"key={key}")  # sign-ins survive a restart
    _, _, own, _ = make_run(MARKET_SECRET_KEY="k" * 40)
    assert own.endswith("key=" + "k" * 40)
