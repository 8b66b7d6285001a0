"""The layering rules of DESIGN.md, checked on the source: break one and this fails."""
import ast
from pathlib import Path

MARKET = Path(__file__).resolve().parent.parent / "market"


def _modules():
    for path in MARKET.rglob("*.py"):
        yield path.relative_to(MARKET).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_search_package_imports_whoosh():
    offenders = [name for name, tree in _modules()
                 if not name.startswith("search/") and any(i.split(".")[0] == "whoosh" for i in _imports(tree))]
    assert offenders == []


def test_services_never_touch_the_request_or_current_user():
    forbidden = {"flask.request", "flask.session", "flask.g", "flask_login.current_user", "flask.current_app"}
    offenders = [name for name, tree in _modules() if name.startswith("services/") and _imports(tree) & forbidden]
    assert offenders == []


def test_views_and_api_never_commit():
    offenders = []
    for name, tree in _modules():
        if name.startswith(("views/", "api/")):
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback", "add", "delete") \
                        and isinstance(node.value, ast.Attribute) and node.value.attr == "session":
                    offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_dependencies_point_one_way():
    """models know nothing above them; services know no views, api, forms or schemas."""
    offenders = []
    for name, tree in _modules():
        imports = _imports(tree)
        if name.startswith("models/"):
            bad = {i for i in imports if i.startswith(("market.services", "market.views", "market.api", "market.forms"))}
        elif name.startswith(("services/", "matching/", "search/")):
            bad = {i for i in imports if i.startswith(("market.views", "market.api", "market.forms", "market.schemas"))}
        else:
            bad = set()
        offenders += [f"{name} imports {i}" for i in sorted(bad)]
    assert offenders == []
