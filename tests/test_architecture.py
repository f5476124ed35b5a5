"""The architecture stays visible: packages by stage, imports one way, no circle."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

BOT = ROOT / "bot"
# Each layer may import from itself and the layers after it, never before.
LAYERS = [
    {"bot.__main__", "bot.cli", "bot.discord"},  # the surfaces
    {"bot.app"},  # the composition root
    {"bot.querylog"},
    {"bot.service", "bot.snapshot", "bot.watch", "bot.shutdown", "bot.redact"},
    {"bot.answer"},
    {"bot.semantic"},  # the optional semantic stage: the model and the articles' vectors
    {"bot.index"},
    {"bot.corpus"},
    {"bot.text"},
    {"bot.settings"},
    {"bot.model", "bot.errors", "bot.paths", "bot.modelfile", "bot"},  # the ground floor
]
# Stages that never touch the event loop.
PURE = ("bot.text", "bot.corpus", "bot.index", "bot.semantic", "bot.answer")


def modules() -> dict[str, Path]:
    found = {}
    for path in BOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The bot modules ``path`` imports, at any depth of the file."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if full in known else node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("bot"))


def graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {other for other in imports(path, known) if other in known and other != name}
        for name, path in known.items()
    }


def layer_of(module: str) -> int:
    best, depth = -1, -1
    for n, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = n, len(prefix)
    assert best >= 0, f"{module} belongs to no layer"
    return best


def test_no_module_imports_another_around_a_loop() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(edges[module]):
            assert state.get(other) != 1, " -> ".join([*path, module, other])
            if other not in state:
                visit(other, [*path, module])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [])


def test_dependencies_run_from_the_surfaces_down() -> None:
    for module, others in graph().items():
        for other in others:
            assert layer_of(other) >= layer_of(module), f"{module} imports {other}"


def test_pure_stages_never_touch_the_event_loop_or_discord() -> None:
    for module, path in modules().items():
        if module.startswith(PURE):
            text = path.read_text()
            assert "import asyncio" not in text and "import discord" not in text, module


def test_discord_code_lives_in_bot_discord_only() -> None:
    for module, path in modules().items():
        if not module.startswith("bot.discord"):
            tree = ast.parse(path.read_text())
            names = {
                alias.name.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            } | {
                (node.module or "").split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
            }
            assert "discord" not in names, module


def test_the_package_list_names_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    present = {".".join(path.parent.relative_to(ROOT).parts) for path in BOT.rglob("__init__.py")}
    assert present <= listed
    assert listed - present == {"bot.seeds", "bot.config"}  # package data, mapped in


def test_modules_stay_small() -> None:
    for module, path in modules().items():
        lines = len(path.read_text().splitlines())
        assert lines <= 420, f"{module} has {lines} lines"
