"""Sign-in timing: does the time of a failed sign-in tell whether the e-mail has an account?

    .venv/bin/python bench/sign_in_bench.py            # 40 tries of each kind, SQLite in a temporary folder

As production runs it: production settings (a 64-character key, the default password hash, scrypt), the real
login page (POST /login) and POST /api/v1/tokens through the app's WSGI stack in this process. Each try uses a
fresh client address and a fresh e-mail or account, so the throttle never answers first (a throttled try is
refused before any password check, equally fast for both). Reports min / median / max per kind; the figures go
to docs/benchmarks.md with the command and the machine.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.security import generate_password_hash  # noqa: E402

from market import create_app  # noqa: E402
from market.extensions import db  # noqa: E402
from market.models import Organisation, User  # noqa: E402
from market.models.base import Base  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=40)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="market-sign-in-")
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "b" * 64,
            "DATABASE_URL": f"sqlite:///{folder}/bench.db",
            "INSTANCE_PATH": folder,
            "SEARCH_BACKEND": "memory",
            "WTF_CSRF_ENABLED": False,
            "RATE_LIMIT_SIGN_IN": "100000 per minute",
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        org = Organisation(kind="enterprise", name="计时单位", region="沣东", verification_state="verified")
        hashed = generate_password_hash("Right-password-2026")
        users = [
            User(
                email=f"known{n}@example.cn",
                password_hash=hashed,
                display_name="计时",
                role="enterprise",
                organisation=org,
            )
            for n in range(args.tries)
        ]
        db.session.add_all([org, *users])
        db.session.commit()
        client = app.test_client()
        times = {}
        for door in ("page", "api"):
            for kind in ("known", "unknown"):
                spent = []
                for n in range(args.tries):
                    email = f"{kind}{n}@example.cn"
                    environ = {"REMOTE_ADDR": f"10.{door == 'api'}.{kind == 'known'}.{n}"}
                    started = time.perf_counter()
                    if door == "page":
                        response = client.post(
                            "/login",
                            data={"email": email, "password": "Wrong-password-1"},
                            environ_base=environ,
                            base_url="https://localhost",
                        )
                    else:
                        response = client.post(
                            "/api/v1/tokens",
                            json={"email": email, "password": "Wrong-1"},
                            environ_base=environ,
                            base_url="https://localhost",
                        )
                    spent.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 401, response.status_code
                times[door, kind] = spent
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: .venv/bin/python bench/sign_in_bench.py --tries {args.tries}\n")
    print("| door | e-mail | failed sign-in, min / median / max |")
    print("|---|---|---|")
    for (door, kind), spent in times.items():
        label = {"page": "POST /login", "api": "POST /api/v1/tokens"}[door]
        print(
            f"| {label} | {'has an account' if kind == 'known' else 'no account'} | "
            f"{min(spent):.0f} / {statistics.median(spent):.0f} / {max(spent):.0f} ms |"
        )


if __name__ == "__main__":
    main()
