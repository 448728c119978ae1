"""The suite's layout: helpers shared by tests live in tests/support/ (or conftest.py), never
in a test module, so no test module imports another (read from the source with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "tests" and any(p.startswith("test_") for p in parts[1:])


def _test_modules_named(path: Path) -> list[str]:
    """The test modules that `path` imports, or names as "module:function" (the web
    runners are given to worker processes that way)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    named: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:   # relative: from .test_x import y (the tests are a package)
                package = ["tests", *path.relative_to(TESTS).parent.parts]
                base = ".".join(package[:len(package) - (node.level - 1)])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            named += [module] + [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and ":" in node.value and node.value.startswith("tests."):
            named.append(node.value.split(":", 1)[0])
    return sorted({n for n in named if _is_test_module(n)})


def test_no_module_imports_a_test_module() -> None:
    sources = sorted(TESTS.rglob("*.py")) + sorted((ROOT / "bench").glob("*.py"))
    offenders = {str(p.relative_to(ROOT)): found for p in sources
                 if (found := _test_modules_named(p))}
    assert offenders == {}, "move these helpers to tests/support/ or a conftest fixture"


def test_support_modules_hold_no_tests() -> None:
    """A test under tests/support/ would never be collected (the files are not test_*.py)."""
    for path in sorted((TESTS / "support").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        tests = [n.name for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 and n.name.lower().startswith("test")]
        assert tests == [], f"{path.relative_to(ROOT)} defines {tests}"
