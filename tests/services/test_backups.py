"""Backups copy the database, the attachments and a manifest; a restore checks them all, then brings
everything back."""

import hashlib
import itertools
import json
import shutil
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from market import create_app
from market.config import PROJECT_ROOT
from market.extensions import db as _db
from market.models import Contract, Organisation, User
from market.models.base import Base
from market.services import contracts
from market.services.backups import BackupRefused, create_backup, restore_backup
from market.services.indexing import rebuild_index
from market.services.search import search_catalogue
from market.storage import attachment_dir, attachment_root
from tests.conftest import BACKENDS, _empty_tables

PDF = (
    b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
)  # every byte value, so a text-mode copy would show
AMOUNTS = (150_000_001, 230_057, 8_888)  # fen: 1500000.01, 2300.57 and 88.88 yuan
_names = itertools.count(1)
# pg_dump, the SQLite backup API and the restores read and replace the committed database; the older schema's
# test also runs the migrations
pytestmark = pytest.mark.slow


def found(q) -> list[int]:
    return [hit.object_id for hit in search_catalogue(None, {"q": q}).hits]


def table_counts(db) -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
    }


def contract_totals(db) -> tuple[int, int]:
    registered = Contract.status == "registered"
    return (
        db.session.scalar(select(func.sum(Contract.amount_fen))),
        db.session.scalar(select(func.sum(Contract.recognised_fen)).where(registered)),
    )


def files_under(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def stamped(app, db):
    """The test schema comes from create_all: stamp it at the head revision, as `flask db upgrade` leaves
    it."""
    head = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()
    with db.engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        )
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    yield head
    db.session.remove()
    with db.engine.begin() as connection:  # the session's database is shared by every test
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def market(stamped, db, make_user, make_listing, make_contract):
    """A published result, three contracts (two registered) and a scanned contract in the attachments."""
    listing = make_listing("achievement", make_user("university"), title="钙钛矿叠层太阳电池")
    first = make_contract(status="registered", amount="1500000.01", recognised="1499999.99")
    make_contract(status="registered", amount="2300.57", number="HT-2026-002")
    make_contract(amount="88.88", number="HT-2026-003")
    admin = make_user("admin")
    attachment = contracts.add_attachment_correction(
        admin, first.id, "合同扫描件.pdf", PDF, "补充登记时遗漏的扫描件"
    )
    deals = attachment_dir("deals")
    deals.mkdir(parents=True)
    (deals / "minutes.docx").write_bytes(b"PK\x03\x04 meeting minutes")
    return SimpleNamespace(
        listing_id=listing.id,
        contract_id=first.id,
        attachment_id=attachment.id,
        stored_name=attachment.stored_name,
        admin_id=admin.id,
    )


def wipe(db) -> None:
    """Lose everything: every row, every uploaded file, the search index."""
    db.session.remove()
    _empty_tables()
    shutil.rmtree(attachment_root())
    rebuild_index()


def test_a_restore_brings_back_rows_contract_totals_files_and_search_after_a_wipe(
    app, db, backend, stamped, market, tmp_path
):
    before, totals = table_counts(db), contract_totals(db)
    assert totals == (sum(AMOUNTS), 149_999_999 + 230_057)
    assert found("钙钛矿") == [market.listing_id]

    manifest = create_backup(tmp_path / "backup")

    assert manifest["database"]["kind"] == backend
    assert manifest["database"]["alembic_revision"] == stamped
    assert datetime.fromisoformat(manifest["created_at"]).utcoffset() == timedelta(hours=8)
    assert {name: manifest["tables"][name] for name in before} == before
    assert manifest["contracts"] == {
        "count": 3,
        "amount_fen": sum(AMOUNTS),
        "registered": 2,
        "registered_amount_fen": 150_000_001 + 230_057,
        "registered_recognised_fen": 149_999_999 + 230_057,
    }
    on_disk = files_under(tmp_path / "backup")
    assert set(on_disk) == set(manifest["files"]) | {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry == {"size": len(on_disk[name]), "sha256": hashlib.sha256(on_disk[name]).hexdigest()}
    assert on_disk[f"attachments/contracts/{market.stored_name}"] == PDF
    assert on_disk["attachments/deals/minutes.docx"] == b"PK\x03\x04 meeting minutes"

    wipe(db)
    assert table_counts(db)["contracts"] == 0 and found("钙钛矿") == [] and not attachment_root().exists()

    report = restore_backup(tmp_path / "backup")

    assert report["matches"] and report["upgraded_from"] is None
    assert table_counts(db) == before
    assert contract_totals(db) == totals
    admin = db.session.get(User, market.admin_id)
    _, path = contracts.get_attachment(admin, market.contract_id, market.attachment_id)
    assert path.read_bytes() == PDF
    assert (attachment_dir("deals") / "minutes.docx").read_bytes() == b"PK\x03\x04 meeting minutes"
    assert found("钙钛矿") == [market.listing_id]
    # the id sequences came back too: the next contract takes a fresh id
    later = contracts.create_contract(admin, {**_contract_values(db), "number": "HT-2026-004"})
    assert later.id > market.contract_id + 2


def _contract_values(db) -> dict:
    contract = db.session.scalars(select(Contract).order_by(Contract.id)).first()
    return {
        "title": "新合同",
        "contract_type": "transfer",
        "subtype": "patent",
        "amount": "100.00",
        "payment_mode": "instalments",
        "signed_on": "2026-03-15",
        "field": "新材料",
        "buyer_province": "陕西省",
        "seller_org_id": contract.seller_org_id,
        "buyer_org_id": contract.buyer_org_id,
    }


def _flip_a_byte(backup, name):
    path = backup / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_manifest(backup, change):
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
BROKEN = {  # how the backup is broken, and the entry the refusal names
    "a tampered attachment": (
        lambda backup, m, _: _flip_a_byte(backup, f"attachments/contracts/{m.stored_name}"),
        lambda m, _: f"attachments/contracts/{m.stored_name}",
    ),
    "a tampered database": (
        lambda backup, m, kind: _flip_a_byte(backup, DATABASE_FILES[kind]),
        lambda m, kind: DATABASE_FILES[kind],
    ),
    "a missing file": (
        lambda backup, m, _: (backup / "attachments/deals/minutes.docx").unlink(),
        lambda m, _: "attachments/deals/minutes.docx",
    ),
    "an extra file": (
        lambda backup, m, _: (backup / "attachments/contracts/planted.pdf").write_bytes(PDF),
        lambda m, _: "attachments/contracts/planted.pdf",
    ),
    "another kind of database": (
        lambda backup, m, _: _edit_manifest(backup, lambda d: d["database"].update(kind="mysql")),
        lambda m, _: "数据库类型",
    ),
    "an unknown schema revision": (
        lambda backup, m, _: _edit_manifest(
            backup, lambda d: d["database"].update(alembic_revision="ffffffffffff")
        ),
        lambda m, _: "数据库结构版本",
    ),
}


@pytest.mark.parametrize("breakage", BROKEN)
def test_a_broken_backup_is_refused_and_nothing_changes(
    app, db, backend, market, make_listing, make_user, tmp_path, breakage
):
    backup = tmp_path / "backup"
    create_backup(backup)
    # after the backup: a listing and an upload that a restore would throw away
    make_listing("achievement", make_user("university"), title="固态电解质薄膜")
    (attachment_dir("contracts") / "later.pdf").write_bytes(PDF)
    before, files = table_counts(db), files_under(attachment_root())
    breaks, names = BROKEN[breakage]
    breaks(backup, market, backend)

    with pytest.raises(BackupRefused) as refused:
        restore_backup(backup, confirm=lambda manifest: pytest.fail("asked to confirm a broken backup"))

    assert refused.value.message == "备份校验未通过，未做任何修改"
    assert names(market, backend) in refused.value.fields
    assert table_counts(db) == before and files_under(attachment_root()) == files
    assert found("固态电解质") != [] and found("钙钛矿") == [market.listing_id]


def test_the_command_refuses_a_tampered_backup_in_chinese(app, db, market, tmp_path):
    backup = tmp_path / "backup"
    create_backup(backup)
    _flip_a_byte(backup, f"attachments/contracts/{market.stored_name}")
    before = table_counts(db)
    db.session.remove()

    result = app.test_cli_runner().invoke(args=["market", "restore", str(backup), "--yes"])

    assert result.exit_code == 1
    assert "备份校验未通过，未做任何修改" in result.output and "SHA-256 校验和与清单不符" in result.output
    assert table_counts(db) == before


def test_a_directory_that_is_not_empty_is_refused(app, db, market, tmp_path):
    target = tmp_path / "backup"
    target.mkdir()
    (target / "notes.txt").write_text("上周的备份说明", encoding="utf-8")

    with pytest.raises(BackupRefused, match="已存在且不为空"):
        create_backup(target)
    result = app.test_cli_runner().invoke(args=["market", "backup", str(target)])

    assert result.exit_code == 1 and "已存在且不为空" in result.output
    assert files_under(target) == {"notes.txt": "上周的备份说明".encode()}


def test_a_database_without_a_schema_revision_is_not_backed_up(app, db, tmp_path):
    with pytest.raises(BackupRefused, match="没有结构版本"):
        create_backup(tmp_path / "backup")
    assert not (tmp_path / "backup").exists()


def test_the_commands_print_progress_and_restore_only_when_confirmed(
    app, db, market, make_listing, make_user, tmp_path
):
    runner = app.test_cli_runner()
    backup = tmp_path / "backup"
    backup.mkdir()  # an empty directory will do

    made = runner.invoke(args=["market", "backup", str(backup)])

    assert made.exit_code == 0, made.output
    assert "已复制 2/2 个附件" in made.output and "备份完成" in made.output
    assert "合同 3 份，金额合计 1502389.46 元（150238946 分）" in made.output
    make_listing("achievement", make_user("university"), title="固态电解质薄膜")
    before = table_counts(db)
    db.session.remove()

    declined = runner.invoke(args=["market", "restore", str(backup)], input="n\n")

    assert declined.exit_code == 1 and "已取消，未做任何修改" in declined.output
    assert table_counts(db) == before
    db.session.remove()

    restored = runner.invoke(args=["market", "restore", str(backup)], input="y\n")

    assert restored.exit_code == 0, restored.output
    assert "恢复完成：行数和合同金额与备份清单一致" in restored.output
    assert table_counts(db)["achievements"] == before["achievements"] - 1
    assert found("固态电解质") == [] and found("钙钛矿") == [market.listing_id]


@pytest.fixture(params=BACKENDS)
def migrated_app(request, tmp_path):
    """An app on a database of its own built by the migrations, one revision behind the head."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"backup_{next(_names)}")
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SEARCH_BACKEND": "memory",
        }
    )
    with app.app_context():
        upgrade(revision=ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head() + "-1")
        yield app
        _db.session.remove()
        _db.engine.dispose()


def test_a_backup_of_an_older_schema_is_restored_and_upgraded(migrated_app, tmp_path):
    organisation = Organisation(
        kind="university", name="西北工业大学", region="沣东", verification_state="verified"
    )
    _db.session.add(organisation)
    _db.session.commit()
    older = _db.session.scalar(text("SELECT version_num FROM alembic_version"))
    create_backup(tmp_path / "backup")
    upgrade()
    _db.session.add(
        Organisation(kind="enterprise", name="备份之后的企业", region="沣东", verification_state="verified")
    )
    _db.session.commit()

    report = restore_backup(tmp_path / "backup")

    assert report["upgraded_from"] == older and report["matches"]
    assert _db.session.scalar(text("SELECT version_num FROM alembic_version")) != older
    assert list(_db.session.scalars(select(Organisation.name))) == ["西北工业大学"]
