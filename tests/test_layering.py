"""An app uses another app's services, selectors and models, never its private helpers
(docs/architecture.md). import-linter checks which app may import which (pyproject.toml); it sees
modules, not names, so the private names are checked here."""

import ast
from pathlib import Path

APPS = Path(__file__).resolve().parent.parent / "jiewang"


def _private_imports_across_apps(root: Path) -> list[str]:
    found = []
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root)
        if "tests" in rel.parts or "migrations" in rel.parts or f.name == "testing.py":
            continue
        app = rel.parts[0]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("jiewang.")):
                continue
            if node.module.split(".")[1] == app:
                continue
            found += [f"{rel}:{node.lineno} {node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_no_app_imports_another_apps_private_names():
    assert _private_imports_across_apps(APPS) == []


def test_the_check_sees_a_private_import(tmp_path):
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "x.py").write_text("from jiewang.accounts.services import _helper, user_create\n"
                                              "from jiewang.events.models import _own\n")
    assert _private_imports_across_apps(tmp_path) == ["events/x.py:1 jiewang.accounts.services._helper"]


def test_every_app_is_in_the_layers_contract():
    # An app missing from the contract would be checked by nothing: name it in pyproject.toml.
    import tomllib

    config = tomllib.loads((APPS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    named = {m.strip().removeprefix("jiewang.") for layer in layers for m in layer.split("|")}
    apps = {p.name for p in APPS.iterdir() if (p / "__init__.py").exists()}
    assert named == apps
