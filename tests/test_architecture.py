"""The server's import structure, as docs/architecture.md describes it: no cycles, no imports hidden in
functions, domains in one direction, and the cores free of the web and the database.

The graph is read from the source (``ast``), imports inside functions included, so a cycle cannot hide
behind a lazy import. Generated migrations are left out of the function-level rule (they are history).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "server"

# the kernel: importable by every domain; imports only itself and domains' tables (docs/architecture.md)
KERNEL = {
    "config", "db", "errors", "events", "locks", "statemachine", "principal", "guards", "params", "uploads",
    "spreadsheets", "skill_levels", "migrating", "access", "audit", "health", "piccolo_conf", "i18n", "sqlite_engine",
}
# domains, each importing only the kernel and the domains before it
DOMAINS = ["organizations", "catalog", "people", "accounts", "competitions", "registration", "judging", "results",
           "issuing", "live", "demo"]
# the composition root: wires everything
TOP = {"app", "routes", "handlers", "cli", "__init__", "__main__"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in SERVER.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _target(name: str) -> str | None:
    """The server module an import names (``server.x.y`` may be a module or a name in ``server.x``)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported server module, line, inside a function) for every import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "server" or alias.name.startswith("server."):
                        out.append((_target(alias.name) or alias.name, child.lineno, in_function))
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module and (
                    child.module == "server" or child.module.startswith("server.")):
                for alias in child.names:
                    target = _target(f"{child.module}.{alias.name}") or _target(child.module)
                    if target:
                        out.append((target, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return out


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def test_the_graph_is_read_from_the_real_tree():
    assert {"server.app", "server.db", "server.access", "server.registration.entries"} <= set(MODULES)
    assert ("server.db", False) in {(t, f) for t, _, f in GRAPH["server.app"]}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_cycle_between_server_modules():
    edges = {m: {t for t, _, _ in imports if t != m} for m, imports in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    assert cycles == [], "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_no_server_import_inside_a_function():
    hidden = [f"{m}:{line} imports {t}" for m, imports in GRAPH.items() if "piccolo_migrations" not in m
              for t, line, in_function in imports if in_function]
    assert hidden == [], "imports inside functions (move them to the top; fix the direction if that cycles):\n" \
        + "\n".join(hidden)


def _allowed(source: str, target: str) -> bool:
    src, dst = _package(source), _package(target)
    if src == dst or src in TOP:
        return True
    if dst in TOP:
        return False
    if src in KERNEL:  # the kernel asks questions of tables only
        return dst in KERNEL or target.endswith(".tables")
    if dst in KERNEL:
        return True
    if src.endswith("piccolo_migrations"):
        return True
    return src in DOMAINS and dst in DOMAINS and DOMAINS.index(dst) < DOMAINS.index(src)


def test_domains_depend_in_one_direction():
    known = KERNEL | set(DOMAINS) | TOP
    unknown = sorted({_package(m) for m in MODULES} - known)
    assert unknown == [], f"packages not placed in docs/architecture.md's order: {unknown}"
    wrong = [f"{m}:{line} imports {t}" for m, imports in GRAPH.items() if "piccolo_migrations" not in m
             for t, line, _ in imports if not _allowed(m, t)]
    assert wrong == [], "imports against the domain order (docs/architecture.md):\n" + "\n".join(wrong)


def test_cores_know_nothing_of_the_web_or_the_database():
    forbidden = ("server", "litestar", "piccolo", "asyncpg", "aiosqlite")
    found = []
    for core in ("scoring", "certificates"):
        for path in (ROOT / core).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
                found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names
                          if n.split(".")[0] in forbidden]
    assert found == []


def test_no_module_over_500_lines():
    long = []
    for folder in ("server", "scoring", "certificates"):
        for path in (ROOT / folder).rglob("*.py"):
            if "piccolo_migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            if lines >= 500:
                long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert long == [], "modules that hold more than one idea:\n" + "\n".join(long)
