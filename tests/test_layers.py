"""embeddings/ is a library with no discord import; bot/ builds on it, never the reverse."""

import ast
from pathlib import Path

from embeddings.config import PROJECT_ROOT


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


def local_imports(folder: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (at the top or inside functions)."""
    graph: dict[str, set[str]] = {}
    for file in folder.glob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                names.add(node.module.split(".")[0])
        graph[file.stem] = names - {file.stem}
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
            visit(other, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
