"""The package is built in layers: every import points down, and no modules import each other in a circle."""

import ast
from pathlib import Path

import networkx as nx

import sim

ROOT = Path(sim.__file__).parent
# bottom up; a module may import from its own layer and those before it
LAYERS = ["extras", "budget", "scenario", "core", "outputs", "abm", "batch", "evidence", "analysis", "report", "cli"]


def module_name(path: Path) -> str:
    parts = ("sim", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The project's modules that `path` imports, at its top or inside functions."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            target = ".".join(p for p in (base, node.module or "") if p)
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                as_module = ROOT.joinpath(*candidate.split(".")[1:])
                found.add(candidate if as_module.with_suffix(".py").exists() or as_module.is_dir() else target)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m == "sim" or m.startswith("sim.")}


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for path in ROOT.rglob("*.py"):
        g.add_node(module_name(path))
        g.add_edges_from((module_name(path), target) for target in imports(path))
    return g


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_import_points_down():
    upward = [(a, b) for a, b in graph().edges if None not in (layer(a), layer(b)) and layer(b) > layer(a)]
    assert upward == []


def test_no_import_cycles():
    g = graph()
    g.remove_nodes_from(["sim", "sim.__main__"])  # the package's lazy public names reach every layer by design
    assert list(nx.simple_cycles(g)) == []


def test_the_layer_check_sees_imports():
    """The checks above would pass on an empty graph: make sure the graph holds the known edges."""
    g = graph()
    assert g.has_edge("sim.core.schedule", "sim.scenario")
    assert g.has_edge("sim.batch.plan", "sim.abm.model")  # an import inside a function
    assert g.has_edge("sim.batch.designs", "sim.batch.designs.grid")  # `from . import grid`
    assert g.has_edge("sim.abm.model", "sim.core.dynamics")  # `from ..core import dynamics`
