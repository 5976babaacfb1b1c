"""Every module the installed portal imports comes from the standard library, the project
itself, or a distribution declared in setup.cfg's install_requires: `pip install .` without
extras (as docker/Dockerfile does) gives an app that starts."""

from __future__ import annotations

import ast
import configparser
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "harvesters", "schemas", "migrations")


def declared(section: str = "install_requires", extra: str | None = None) -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    raw = config["options.extras_require"][extra] if extra else config["options"][section]
    names = set()
    for line in raw.splitlines():
        line = line.strip()
        if line:
            names.add(canonical(re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0]))
    return names


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_modules() -> dict[str, Path]:
    """Top-level names imported anywhere in the installed packages (and wsgi.py), with a file
    that imports each; imports under `if TYPE_CHECKING:` are for type checkers only."""
    found: dict[str, Path] = {}
    files = [ROOT / "wsgi.py"] + [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return found


def test_every_runtime_import_is_a_declared_dependency():
    providers = packages_distributions()
    requires = declared()
    missing = []
    for module, path in sorted(runtime_modules().items()):
        if module in sys.stdlib_module_names or module in PACKAGES:
            continue
        distributions = {canonical(d) for d in providers.get(module, [])}
        if not distributions & requires:
            where = path.relative_to(ROOT)
            missing.append(f"{module} (imported by {where}; from {sorted(distributions)})")
    assert missing == [], "not in install_requires: " + ", ".join(missing)


def test_test_only_tools_are_not_runtime_imports():
    # The regression that started this: portal/net/fetch.py used requests, which only the
    # test extra (through ckanapi) pulled in.
    test_only = declared(extra="test") - declared()
    providers = packages_distributions()
    leaked = sorted(
        module
        for module in runtime_modules()
        if {canonical(d) for d in providers.get(module, [])} & test_only
        and not {canonical(d) for d in providers.get(module, [])} & declared()
    )
    assert leaked == []
