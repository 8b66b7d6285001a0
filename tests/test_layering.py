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
    offenders = [
        name
        for name, tree in _modules()
        if not name.startswith("search/") and any(i.split(".")[0] == "whoosh" for i in _imports(tree))
    ]
    assert offenders == []


def _whoosh_names(tree) -> set[str]:
    """The names a module binds to things imported from whoosh."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "whoosh":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(
                alias.asname or alias.name.split(".")[0]
                for alias in node.names
                if alias.name.split(".")[0] == "whoosh"
            )
    return names


def _root_name(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def test_only_whoosh_internals_patches_or_reads_whooshs_private_parts():
    """Outside market/search/whoosh_internals no module assigns to a Whoosh class or module (a monkey-patch)
    or reads a private (underscored) attribute of one: those depend on the pinned Whoosh version."""
    offenders = []
    for name, tree in _modules():
        if name.startswith("search/whoosh_internals/"):
            continue
        imported = _whoosh_names(tree)
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and _root_name(target) in imported:
                    offenders.append(f"{name}:{node.lineno} assigns {ast.unparse(target)}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and _root_name(node) in imported
            ):
                offenders.append(f"{name}:{node.lineno} reads {ast.unparse(node)}")
    assert offenders == []


def test_services_never_touch_the_request_or_current_user():
    forbidden = {"flask.request", "flask.session", "flask.g", "flask_login.current_user", "flask.current_app"}
    offenders = [
        name for name, tree in _modules() if name.startswith("services/") and _imports(tree) & forbidden
    ]
    assert offenders == []


def test_views_and_api_never_commit():
    offenders = []
    for name, tree in _modules():
        if name.startswith(("views/", "api/")):
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ("commit", "rollback", "add", "delete")
                    and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "session"
                ):
                    offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_dependencies_point_one_way():
    """models know nothing above them; services know no views, api, forms or schemas."""
    offenders = []
    for name, tree in _modules():
        imports = _imports(tree)
        if name.startswith("models/"):
            bad = {
                i
                for i in imports
                if i.startswith(("market.services", "market.views", "market.api", "market.forms"))
            }
        elif name.startswith(("services/", "matching/", "search/")):
            bad = {
                i
                for i in imports
                if i.startswith(("market.views", "market.api", "market.forms", "market.schemas"))
            }
        else:
            bad = set()
        offenders += [f"{name} imports {i}" for i in sorted(bad)]
    assert offenders == []


def test_matching_works_on_plain_values():
    """market.matching ranks and explains from numbers and text: no app, database, models or services."""
    forbidden = (
        "flask",
        "sqlalchemy",
        "market.extensions",
        "market.models",
        "market.services",
        "market.search",
        "market.vectors",
    )
    offenders = [
        f"{name} imports {i}"
        for name, tree in _modules()
        if name.startswith("matching/")
        for i in sorted(_imports(tree))
        if i.startswith(forbidden)
    ]
    assert offenders == []


def test_evaluation_stays_off_the_request_path():
    """Only the command line (and bench/, tests) reach market.evaluation; no view, API or service imports
    it."""
    offenders = [
        name
        for name, tree in _modules()
        if not name.startswith(("evaluation/", "cli.py"))
        and any(i.startswith("market.evaluation") for i in _imports(tree))
    ]
    assert offenders == []


def _module_name(relative: str) -> str:
    parts = relative[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["market", *parts])


def _imported_modules(tree, known: set[str]) -> set[str]:
    """The known modules a module imports: "from market.services import deals" names market.services.deals,
    not the package; "import a.b" names a.b or, if that is no module of ours, its nearest ancestor that is."""

    def nearest(name):
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(nearest(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in known
                else nearest(node.module)
                for alias in node.names
            )
    return found - {None}


def _import_graph() -> dict[str, set[str]]:
    """market module → the market modules it imports anywhere in its body (function-level imports count
    too)."""
    trees = {_module_name(name): tree for name, tree in _modules()}
    return {module: _imported_modules(tree, set(trees)) - {module} for module, tree in trees.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_market_modules():
    """A module that must react to another's change subscribes to a domain event (market.events) instead."""
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_over_400_lines():
    """Big modules are split along their seams (issue 17): a file of one concern stays readable."""
    long = {
        path.relative_to(MARKET).as_posix(): lines
        for path in MARKET.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
