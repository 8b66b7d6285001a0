"""Contract statistics benchmark: the dashboard and the stats API read from the monthly rollup, next to the
same pages read from the contracts alone and the bare SQL aggregates over the contracts.

    nice -n 10 .venv/bin/python bench/contracts_bench.py            # 1,000,000 registered contracts,
                                                                      SQLite and PostgreSQL
    .venv/bin/python bench/contracts_bench.py --contracts 100000 --databases sqlite   # a quick look

The database is built by the project's migrations, then filled with generated contracts (bulk inserts of
20,000 rows) whose shape follows the published Shaanxi figures in ../shared/data/corpus/contract_stats.jsonl
(技术服务 about three quarters of the amount, 技术开发 a fifth, a growing total from year to year); the rows
went around the ORM, so the rollup is then rebuilt as `market rebuild-contract-rollup` does (timed).
PostgreSQL is a throwaway server run as a non-root user (tests/pg_server.py). Each measurement is the median
of REPEATS runs after one warm-up run, through the Flask test client as an admin:
- dashboard: GET /dashboard/?year=Y (every breakdown, last year's totals, the funnel, charts), and a custom
  period of 11 whole months and 7 days (the days read from the contracts), each with CONTRACT_STATS_ROLLUP on
  and off; beside them the bare SQL of the page's contract aggregates;
- stats API: GET /api/v1/stats/contracts?year=Y&group_by=type, rollup on and off;
- a correction through the service (of the amount, which moves the rollup, and of the title);
- afterwards every breakdown of the API is compared between the rollup and the contracts.
"""

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from market import create_app  # noqa: E402
from market.extensions import db  # noqa: E402
from market.models import Organisation, User  # noqa: E402
from market.models.contract import Contract  # noqa: E402
from market.models.vocab import PROVINCES, REGIONS  # noqa: E402

REPEATS = 7
YEAR = 2025
CORRECTIONS = 30
CUSTOM_PAGE = f"/dashboard/?period=custom&from={YEAR}-01-01&to={YEAR}-12-07"  # 11 whole months and 7 days
PASSWORD = "bench-password-1"
# Share of contracts per type, after the 2022 Shaanxi split (技术服务 75.6 %, 技术开发 22.3 % of the amount).
TYPES = [
    ("service", 0.70),
    ("development", 0.22),
    ("consulting", 0.03),
    ("transfer", 0.03),
    ("licence", 0.02),
]
FIELDS = [
    "城市建设与社会发展",
    "电子信息",
    "新能源与高效节能",
    "先进制造",
    "新材料",
    "生物医药",
    "航空航天",
    "现代农业",
    "环境保护",
    "人工智能",
]
SELLER_KINDS = [("enterprise", 0.8), ("university", 0.1), ("institute", 0.1)]
GROWTH = {2020: 0.5, 2021: 0.6, 2022: 0.75, 2023: 0.9, 2024: 1.0, 2025: 1.2, 2026: 1.4}


def _pick(rng, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def fill(app, contracts: int, orgs: int = 3000, brokers: int = 120, seed: int = 3) -> None:
    """Organisations, brokers, an admin, and `contracts` registered contracts, in batches."""
    from werkzeug.security import generate_password_hash

    rng = random.Random(seed)
    with app.app_context():
        kinds = [_pick(rng, SELLER_KINDS) for _ in range(orgs)]
        db.session.execute(
            insert(Organisation),
            [
                {
                    "kind": kinds[n],
                    "name": f"基准机构{n}",
                    "region": rng.choice(REGIONS),
                    "verification_state": "verified",
                }
                for n in range(orgs)
            ],
        )
        government = Organisation(
            kind="government", name="基准平台运营", region="沣东", verification_state="verified"
        )
        db.session.add(government)
        db.session.flush()
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.add(
            User(
                email="admin@bench.cn",
                password_hash=hashed,
                display_name="管理员",
                role="admin",
                organisation_id=government.id,
            )
        )
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"broker{n}@bench.cn",
                    "password_hash": hashed,
                    "display_name": f"经纪人{n}",
                    "role": "broker",
                    "organisation_id": government.id,
                }
                for n in range(brokers)
            ],
        )
        db.session.commit()
        org_ids = [
            row[0]
            for row in db.session.execute(
                text("SELECT id, kind FROM organisations WHERE kind != 'government'")
            )
        ]
        org_kinds = dict(db.session.execute(text("SELECT id, kind FROM organisations")).all())
        org_regions = dict(db.session.execute(text("SELECT id, region FROM organisations")).all())
        broker_ids = [
            row[0] for row in db.session.execute(text("SELECT id FROM users WHERE role = 'broker'"))
        ]
        years = list(GROWTH)
        weights = [GROWTH[y] for y in years]
        batch, done, started = [], 0, time.perf_counter()
        for n in range(contracts):
            year = rng.choices(years, weights)[0]
            signed = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            kind = _pick(rng, TYPES)
            seller, buyer = rng.sample(org_ids, 2)
            amount = rng.choice(
                [
                    rng.randrange(1_000_00, 100_000_00),
                    rng.randrange(100_000_00, 5_000_000_00),
                    rng.randrange(5_000_000_00, 200_000_000_00),
                ]
            ) + rng.randrange(100)
            batch.append(
                {
                    "number": f"BJ{n}",
                    "title": f"基准合同{n}",
                    "contract_type": kind,
                    "subtype": "patent" if kind in ("transfer", "licence") else None,
                    "seller_org_id": seller,
                    "buyer_org_id": buyer,
                    "broker_id": rng.choice(broker_ids) if rng.random() < 0.3 else None,
                    "amount_fen": amount,
                    "recognised_fen": amount - rng.randrange(0, amount // 10 + 1),
                    "payment_mode": "lump_sum",
                    "signed_on": signed,
                    "field": rng.choice(FIELDS),
                    "seller_region": org_regions[seller],
                    "seller_kind": org_kinds[seller],
                    "buyer_province": "陕西省" if rng.random() < 0.6 else rng.choice(PROVINCES[1:]),
                    "note": "",
                    "status": "registered",
                    "registration_number": f"{year}611100{n:08d}",
                }
            )
            if len(batch) == 20_000:
                db.session.execute(insert(Contract), batch)
                db.session.commit()
                done += len(batch)
                batch = []
                rate = done / (time.perf_counter() - started)
                print(
                    f"\r  写入 {done:,}/{contracts:,} 份合同（{rate:,.0f} 份/秒）",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
        if batch:
            db.session.execute(insert(Contract), batch)
            db.session.commit()
        print(file=sys.stderr)
        db.session.execute(text("ANALYZE"))  # the planner sees the filled table, as in production
        db.session.commit()


def timed(fn) -> float:
    """Median milliseconds of REPEATS runs after a warm-up."""
    fn()
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def _group_sql(column: str) -> str:
    return (
        f"SELECT {column}, count(*), sum(amount_fen), sum(recognised_fen) FROM contracts "
        f"WHERE status = 'registered' AND signed_on >= :start AND signed_on <= :end GROUP BY {column} "
        f"ORDER BY sum(amount_fen) DESC"
    )


def _logged_in(app, client):
    token = client.post("/api/v1/tokens", json={"email": "admin@bench.cn", "password": PASSWORD}).get_json()[
        "token"
    ]
    login = client.post("/login", data={"email": "admin@bench.cn", "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    return {"Authorization": f"Bearer {token}"}


def _get(client, url, headers=None):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return response


def measure_corrections(app, count: int = CORRECTIONS) -> dict:
    """Median ms of an admin's correction through the service: of the amount (the rollup moves it) and of the
    title (nothing counted changes)."""
    from market.services import contracts

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@bench.cn"))
        ids = list(
            db.session.scalars(
                select(Contract.id)
                .where(
                    Contract.status == "registered",
                    Contract.signed_on >= date(YEAR, 6, 1),
                    Contract.signed_on <= date(YEAR, 12, 31),
                )
                .order_by(Contract.id)
                .limit(count)
            )
        )
        db.session.rollback()
        result = {}
        for name, values in (
            ("amount", lambda c: {"amount": f"{(c.amount_fen + 100) / 100:.2f}"}),
            ("title", lambda c: {"title": f"{c.title}（更正）"}),
        ):
            runs = []
            for contract_id in ids:
                contract = db.session.get(Contract, contract_id)
                data = values(contract)
                started = time.perf_counter()
                contracts.correct_contract(admin, contract_id, data, "基准更正")
                runs.append((time.perf_counter() - started) * 1000)
            result[name] = statistics.median(runs)
    return result


def measure(app) -> dict:
    from market.services import contract_stats

    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    previous = {"start": date(YEAR - 1, 1, 1), "end": date(YEAR - 1, 12, 31)}
    period = {"start": start, "end": end}
    totals_sql = (
        "SELECT count(*), sum(amount_fen), sum(recognised_fen) FROM contracts "
        "WHERE status = 'registered' AND signed_on >= :start AND signed_on <= :end"
    )
    month = (
        "extract(year from signed_on) * 100 + extract(month from signed_on)"
        if app.config["DATABASE_URL"].startswith("postgresql")
        else "strftime('%Y%m', signed_on)"
    )
    page_sql = [(totals_sql, period), (totals_sql, previous)] + [
        (_group_sql(c), period)
        for c in (
            "contract_type",
            "field",
            "seller_region",
            month,
            "seller_kind",
            "CASE WHEN buyer_province = '陕西省' THEN 'in' ELSE 'out' END",
            "seller_org_id",
            "buyer_org_id",
            "broker_id",
        )
    ]
    client = app.test_client()
    with app.app_context():

        def bare_page():
            for sql, params in page_sql:
                db.session.execute(text(sql), params).all()
            db.session.rollback()

        result = {"bare_page": timed(bare_page)}
        expected = contract_stats.totals(contract_stats.Period(start, end), rollup=False)
        db.session.rollback()
    headers = _logged_in(app, client)
    api_url = f"/api/v1/stats/contracts?year={YEAR}&group_by=type"
    pages = {"page": f"/dashboard/?year={YEAR}", "page_days": CUSTOM_PAGE}
    for rollup in (True, False):
        app.config["CONTRACT_STATS_ROLLUP"] = rollup
        suffix = "" if rollup else "_contracts"
        body = _get(client, api_url, headers).get_json()
        assert body["meta"]["amount_fen"] == expected.amount_fen, (
            "the API's total differs from the contracts'"
        )
        result["api" + suffix] = timed(lambda: _get(client, api_url, headers))
        for name, url in pages.items():
            result[name + suffix] = timed(lambda url=url: _get(client, url))
    app.config["CONTRACT_STATS_ROLLUP"] = True
    result["count"], result["amount_fen"] = expected.count, expected.amount_fen
    return result


def same_figures(app) -> bool:
    """Every breakdown of the stats API, and the page's totals, the same from the rollup and from the
    contracts (after the corrections)."""
    client = app.test_client()
    headers = _logged_in(app, client)
    answers = {}
    for rollup in (True, False):
        app.config["CONTRACT_STATS_ROLLUP"] = rollup
        answers[rollup] = [
            _get(client, f"/api/v1/stats/contracts?{query}&group_by={group}", headers).get_json()
            for query in (f"year={YEAR}", CUSTOM_PAGE.split("?")[1])
            for group in (
                "type",
                "field",
                "region",
                "month",
                "seller_kind",
                "buyer_region",
                "seller",
                "buyer",
            )
        ] + [
            _get(client, f"/api/v1/stats/contracts?year={YEAR}&group_by=broker&limit=10", headers).get_json()
        ]
    app.config["CONTRACT_STATS_ROLLUP"] = True
    return answers[True] == answers[False]


def run(database: str, contracts: int) -> dict:
    from market.services import contract_rollup

    workdir = Path(tempfile.mkdtemp(prefix="market-contracts-bench-"))
    server = None
    if database == "postgresql":
        from tests.pg_server import PostgresServer

        server = PostgresServer().start()
        url = server.create_database("bench")
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    try:
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "INSTANCE_PATH": str(workdir / "instance"),
                "SEARCH_BACKEND": "memory",
                "MATCHING_NOTIFY": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        fill(app, contracts)
        result = {"fill_s": time.perf_counter() - started}
        with app.app_context():  # the bulk insert went around the ORM: the command's rebuild counts it
            started = time.perf_counter()
            report = contract_rollup.rebuild(progress=lambda line: print(f"  {line}", file=sys.stderr))
            result["rebuild_s"] = time.perf_counter() - started
            result["cells"], result["party_cells"] = report["cells"], report["party_cells"]
        result["load_before"] = os.getloadavg()[0]
        result.update(measure(app))
        result["load_after"] = os.getloadavg()[0]
        result["corrections"] = measure_corrections(app)
        result["same"] = same_figures(app)
        return result
    finally:
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"command: .venv/bin/python bench/contracts_bench.py "
        f"--contracts {args.contracts} --databases {args.databases}\n"
    )
    print(
        f"| database | contracts in {YEAR} | bare SQL, the page's aggregates over contracts | "
        f"dashboard page {YEAR}: rollup / contracts only | page {CUSTOM_PAGE.split('?')[1]}: rollup + days / "
        f"contracts only | stats API group_by=type: rollup / contracts only |"
    )
    print("|---|---|---|---|---|---|")
    for database in args.databases.split(","):
        r = run(database.strip(), args.contracts)
        print(
            f"| {database} | {r['count']:,} | {r['bare_page']:.0f} ms | "
            f"**{r['page']:.0f} ms** / {r['page_contracts']:.0f} ms | "
            f"**{r['page_days']:.0f} ms** / {r['page_days_contracts']:.0f} ms | "
            f"{r['api']:.0f} ms / {r['api_contracts']:.0f} ms |",
            flush=True,
        )
        print(
            f"  ({database}: filling {args.contracts:,} contracts {r['fill_s']:.0f} s; rollup rebuilt in "
            f"{r['rebuild_s']:.1f} s: {r['cells']:,} cells, {r['party_cells']:,} party cells; a correction "
            f"through the service: amount {r['corrections']['amount']:.1f} ms, title "
            f"{r['corrections']['title']:.1f} ms (median of {CORRECTIONS}); rollup and contracts give the "
            f"same figures: {'yes' if r['same'] else 'NO'}; load average {r['load_before']:.1f} before the "
            f"timings, {r['load_after']:.1f} after)",
            flush=True,
        )


if __name__ == "__main__":
    main()
