"""Each package's modules import one another without a loop, and the contract rules are pure.

The graph is read from the source with ``ast``: every import counts, including those inside
functions or under ``TYPE_CHECKING`` (a loop hidden there is still a loop in the design).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Every package of the workspace (services/<name>/src/<name>, <app>/src/<package>) -> its src.
PACKAGES = {
    init.parent.name: init.parents[1]
    for init in sorted(
        {*ROOT.glob("services/*/src/*/__init__.py"), *ROOT.glob("*/src/*/__init__.py")}
    )
}
# What a pure rule may not reach for: the database, the web, the network, the clock of a service.
IMPURE = ("sqlalchemy.ext", "fastapi", "starlette", "httpx", "shared.db", "shared.auth")


def modules(package: str = "contracts") -> dict[str, Path]:
    src = PACKAGES[package]
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of the package that ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in known else base)
    return {m for m in found if m in known and m != name}


def graph(package: str = "contracts") -> dict[str, set[str]]:
    known = modules(package)
    return {name: imports(name, path, known) for name, path in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt in on_stack:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in done and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    for start in sorted(edges):
        if start not in done and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_is_read() -> None:
    edges = graph()
    assert "contracts.contracts.rules.terms" in edges["contracts.contracts.rules.lifecycle"]
    assert "contracts.contracts.loaded" in edges["contracts.contracts.checks"]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_itself_back(package: str) -> None:
    cycle = find_cycle(graph(package))
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize(
    "name", [n for n in modules() if n.startswith("contracts.contracts.rules.")]
)
def test_rules_do_no_io(name: str) -> None:
    path = modules()[name]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    impure = sorted(
        n for n in names if n.startswith(IMPURE) or n.endswith((".repository", ".service"))
    )
    assert not impure, f"{name} imports {impure}"
