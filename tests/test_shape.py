"""The package's shape stays readable: imports point one way, with no cycle; no file or function grows too long.

Layers, lowest first: the core (config, data, models, sampling, values, devices, files, console), then
export/, then evaluation/, then training/ and explorer/ (neither imports the other), then the command-line
modules and the entry points. A module may import its own layer's package and anything below it.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"core": 0, "cgan.export": 1, "cgan.evaluation": 2, "cgan.training": 3, "cgan.explorer": 3, "command": 4}
COMMANDS = {"cgan.sample", "cgan.evaluate", "cgan.push", "cgan.plot", "cgan.train_evaluator", "cgan.train_encoder", "app", "train"}
MAX_FILE_LINES, MAX_FUNCTION_LINES = 450, 120


def python_files() -> list[Path]:
    return sorted([*(ROOT / "cgan").rglob("*.py"), ROOT / "app.py", ROOT / "train.py"])


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every module name `path` imports, anywhere in the file (inside functions too), with `from` imports' members."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import; the project imports by full name"
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in python_files()}
    return {name: (imported_names(path) & set(files)) - {name} for name, path in files.items()}


def layer(module: str) -> tuple[str, int]:
    if module in COMMANDS:
        return "command", LAYERS["command"]
    for package in ("cgan.export", "cgan.evaluation", "cgan.training", "cgan.explorer"):
        if module == package or module.startswith(package + "."):
            return package, LAYERS[package]
    return "core", LAYERS["core"]


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path of modules, or [] when there is none (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                return stack[stack.index(other):] + [other]
            if other not in state and (cycle := visit(other)):
                return cycle
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_the_package_has_no_import_cycle():
    assert find_cycle(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_imports_point_down_the_layers():
    wrong = []
    for module, imported in import_graph().items():
        package, level = layer(module)
        for other in imported:
            other_package, other_level = layer(other)
            if other_level > level or (other_level == level and other_package != package):
                wrong.append(f"{module} ({package}) imports {other} ({other_package})")
    assert wrong == []


def test_only_the_hub_module_imports_huggingface_hub():
    users = [module_name(path) for path in python_files()
             if "huggingface_hub" in {name.split(".")[0] for name in imported_names(path)}]
    assert users == ["cgan.export.hub"]


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_files_and_functions_stay_short(path):
    lines = path.read_text().splitlines()
    assert len(lines) <= MAX_FILE_LINES, f"{len(lines)} lines"
    long = [f"{node.name}: {node.end_lineno - node.lineno + 1} lines" for node in ast.walk(ast.parse("\n".join(lines)))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


def all_source_files() -> list[Path]:
    """Every Python file outside tests/: the package, the entry points, the benchmarks and the experiments."""
    return python_files() + sorted([*(ROOT / "bench").glob("*.py"), *(ROOT / "experiments").glob("*.py")])


def test_nothing_edits_sys_path_or_imports_another_modules_private_names():
    found = []
    for path in all_source_files():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: sys.path")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] != "torch":
                private = [alias.name for alias in node.names if alias.name.startswith("_") and alias.name != "__version__"]
                if private and node.module.split(".")[0] in {"cgan", "bench", "experiments", "app", "train"}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.module}.{', '.join(private)}")
    assert found == []
    assert (ROOT / "bench" / "__init__.py").is_file() and (ROOT / "experiments" / "__init__.py").is_file()
