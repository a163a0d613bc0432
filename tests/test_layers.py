"""embeddings/ is a library with no discord import; bot/ builds on it, never the reverse."""

import ast
import subprocess
import sys
from pathlib import Path

from embeddings.config import PROJECT_ROOT

from .test_bot_process import bot_env


def imported_modules(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for file in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(file.relative_to(PROJECT_ROOT))] = names
    return found


def test_embeddings_never_imports_discord_or_bot():
    offenders = {f: n & {"discord", "bot"} for f, n in imported_modules(PROJECT_ROOT / "embeddings").items()}
    assert not {f: n for f, n in offenders.items() if n}


def module_name(file: Path) -> str:
    return ".".join(file.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")


def local_imports(folder: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package tree it imports (at the top or inside functions)."""
    package = folder.name
    graph: dict[str, set[str]] = {}
    for file in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] == package:
                    names.add(node.module)
                    names.update(f"{node.module}.{a.name}" for a in node.names)  # a submodule imported by name
        graph[module_name(file)] = names - {module_name(file)}
    return graph


def test_no_import_cycles_inside_embeddings():
    """Not even through imports inside functions (encoder.py and onnx_encoder.py used to import
    each other): each module can be read on top of the ones below it."""
    graph = local_imports(PROJECT_ROOT / "embeddings")
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for other in graph.get(module, ()):
            if other in graph:
                visit(other, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_serving_never_imports_training():
    """The path of a question (service, search, index, encoders, corpus) stands on nothing of
    ``embeddings.training``, at the top or inside a function, except the one place that trains
    in-process when the encoder is PyTorch (``Engine._resolve_model``) and the retraining a
    ``/reindex retrain:True`` asks for; and the bot never imports it."""
    graph = local_imports(PROJECT_ROOT / "embeddings")
    serving = [m for m in graph if not m.startswith(("embeddings.training", "embeddings.__main__"))]
    for module in serving:
        reached = {m for m in graph[module] if m.startswith("embeddings.training") and m in graph}
        allowed = {"embeddings.training.prepare"} if module == "embeddings.service" else set()
        assert reached <= allowed, (module, reached)
    for file in (PROJECT_ROOT / "bot").rglob("*.py"):
        text = file.read_text("utf-8")
        assert "embeddings.training" not in text, file


def test_answering_a_question_loads_nothing_of_training(fresh_built):
    """Measured, not read: a process that loads the engine and answers has no training module
    (nor torch) in ``sys.modules``."""
    code = (
        "import sys\n"
        "from embeddings.config import EngineSettings\n"
        "from embeddings.service import Engine\n"
        "engine = Engine(EngineSettings.from_env())\n"
        "assert engine.ask('Which country did the allies condemn?').hits\n"
        "print(sorted(m for m in sys.modules if m.startswith('embeddings.training') or m == 'torch'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=bot_env(fresh_built), capture_output=True, text=True,
                         timeout=120, cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", out.stdout


def test_no_module_imports_another_modules_private_name():
    """``from x import _name`` couples a reader to another module's insides: give it a public name."""
    offenders = []
    for folder in ("embeddings", "bot", "tests", "benchmarks"):
        for file in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text("utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in (
                        "embeddings", "bot", "tests"):
                    offenders += [f"{file.relative_to(PROJECT_ROOT)}: {a.name}" for a in node.names
                                  if a.name.startswith("_") and not a.name.startswith("__")]
    assert not offenders, offenders


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def test_product_modules_and_functions_stay_small():
    """A module a newcomer reads in one sitting, a function that fits on a screen (complexity is
    ruff's C901, at most 12, in `make lint`)."""
    long_modules, long_functions = [], []
    for folder in ("embeddings", "bot"):
        for file in (PROJECT_ROOT / folder).rglob("*.py"):
            text = file.read_text("utf-8")
            name = str(file.relative_to(PROJECT_ROOT))
            if len(text.splitlines()) > MAX_MODULE_LINES:
                long_modules.append(f"{name}: {len(text.splitlines())} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        long_functions.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    assert not long_modules and not long_functions, long_modules + long_functions
