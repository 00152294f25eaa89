"""The package layout is the architecture: `pipeline/` is one folder per stage, and a stage
imports only `types`, `config` and the stages below it (`analyze` composes them all).

The imports are read from the source (every `import`, including those inside functions), so
a lower stage reaching up, an import cycle, a module left at the top, or a second home for
mediapipe or PyAV fails here before it blurs the tree.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"
# The data flow, low to high. A stage may import any stage listed before it.
STAGES = ("media", "people", "attention", "audio", "transcript", "verdict", "outputs", "evaluation")
SHARED = {"pipeline.types", "pipeline.config"}
TOP_LEVEL = {"__init__.py", "analyze.py", "types.py", "config.py"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PIPELINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PIPELINE.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every module this file imports (absolute names; `from pkg import mod` gives pkg.mod
    when that is a module; `importlib.import_module("name")` with a literal name counts)."""
    known = _modules()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif _is_import_module_call(node):
            found.add(node.args[0].value)  # type: ignore[attr-defined]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path.name}: relative import of {node.module}"
            found.add(node.module)
            found.update(
                f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known
            )
    return found


def _is_import_module_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "import_module"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _rank(module: str) -> float:
    """Where a pipeline module sits in the flow: shared data lowest, `analyze` highest."""
    if module in SHARED or module == "pipeline":
        return -1
    if module == "pipeline.analyze":
        return len(STAGES)
    stage = module.split(".")[1]
    assert stage in STAGES, f"{module} is in no known stage folder"
    return STAGES.index(stage)


def _pipeline_imports(module: str, path: Path) -> set[str]:
    return {m for m in _imports(path) if m == "pipeline" or m.startswith("pipeline.")} - {module}


def test_only_composition_and_shared_data_stay_at_the_top() -> None:
    loose = {p.name for p in PIPELINE.glob("*.py")} - TOP_LEVEL
    assert not loose, f"modules directly in pipeline/ belong in a stage folder: {sorted(loose)}"
    folders = {p.name for p in PIPELINE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(STAGES), f"unknown stage folders: {sorted(folders - set(STAGES))}"
    assert all((PIPELINE / f / "__init__.py").is_file() for f in folders)


@pytest.mark.parametrize("module", sorted(_modules()))
def test_a_stage_imports_only_itself_and_what_lies_below(module: str) -> None:
    path = _modules()[module]
    own = _rank(module)
    upward = [m for m in _pipeline_imports(module, path) if _rank(m) > own]
    assert not upward, f"{module} imports a higher stage: {sorted(upward)}"
    if module in SHARED:
        assert not _pipeline_imports(module, path) - SHARED, f"{module} must stay a leaf"


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {m: _pipeline_imports(m, p) & modules.keys() for m, p in modules.items()}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module) :], module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


@pytest.mark.parametrize(
    ("library", "home"),
    [
        ("mediapipe", {"pipeline.people.landmarks"}),  # the model seam
        ("av", {"pipeline.media"}),  # the media stage reads and writes files
    ],
)
def test_libraries_stay_in_their_stage(library: str, home: set[str]) -> None:
    users = {
        m
        for m, p in _modules().items()
        if any(i == library or i.startswith(library + ".") for i in _imports(p))
    }
    strays = {m for m in users if not any(m == h or m.startswith(h + ".") for h in home)}
    assert users and not strays, f"{library} imported outside {sorted(home)}: {sorted(strays)}"
