"""The layout docs/architecture.md describes, checked: no import circle (function-level imports included),
lower layers never import higher ones, accounts reaches the provider only through oidc.interface, no
oversized module or function, and every private django-oauth-toolkit name Portico relies on still exists."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "accounts", "oidc", "ops", "audit")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40
# Functions that are one dict literal (the issue allows them).
DICT_LITERALS = {("oidc.discovery", "metadata")}
# Lower layers and the only project modules each may import.
ALLOWED_IMPORTS = {
    "oidc.constants": set(),
    "oidc.redirect_uris": set(),
    "oidc.sign_in": set(),
    "oidc.authrequest": {"oidc.constants", "oidc.errors", "oidc.subjects"},
    "oidc.errors": {"oidc.conf", "oidc.redirect_uris", "oidc.responses"},
    "oidc.responses": {"oidc.constants", "oidc.redirect_uris", "oidc.middleware"},
    "oidc.models": {
        "oidc.conf",
        "oidc.constants",
        "oidc.logout.models",
        "oidc.prepared",
        "oidc.records",
        "oidc.redirect_uris",
    },
    "oidc.logout.models": set(),
    "oidc.records": set(),
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> set[str]:
    """Every project module `module` imports, at module level or inside functions."""
    targets = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module and MODULES[name].name != "__init__.py":
                targets.add(name)
    return targets


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle_even_through_function_level_imports():
    assert _cycles() == []


@pytest.mark.parametrize("module", sorted(ALLOWED_IMPORTS))
def test_lower_layers_import_nothing_above_them(module):
    assert GRAPH[module] <= ALLOWED_IMPORTS[module], GRAPH[module] - ALLOWED_IMPORTS[module]


def test_accounts_reaches_the_provider_only_through_its_interface():
    reaching = {
        (module, target)
        for module, targets in GRAPH.items()
        if module.startswith("accounts")
        for target in targets
        if target.startswith("oidc") and target != "oidc.interface"
    }
    assert reaching == set()


def test_operations_and_audit_sit_above_the_provider_and_accounts():
    """ops/ and audit/ import accounts and oidc and hear from them through signals; never the reverse."""
    reaching = {
        (module, target)
        for module, targets in GRAPH.items()
        if module.split(".")[0] in ("config", "accounts", "oidc")
        for target in targets
        if target.split(".")[0] in ("ops", "audit")
    }
    assert reaching == set()


def test_no_module_over_400_lines_and_no_function_over_40():
    too_long = []
    for module, path in MODULES.items():
        source = path.read_text()
        if len(source.splitlines()) > MAX_MODULE_LINES:
            too_long.append((module, "module", len(source.splitlines())))
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and (module, node.name) not in DICT_LITERALS
            ):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append((module, node.name, length))
    assert too_long == []


def test_every_private_django_oauth_toolkit_name_portico_relies_on_still_exists():
    """oidc/dot_private.py fences them; an upgrade that renames one must fail here, not route around a rule."""
    from oidc.dot_private import PRIVATE_NAMES

    missing = [
        f"{owner.__name__}.{name}"
        for owner, names in PRIVATE_NAMES.items()
        for name in names
        if not hasattr(owner, name)
    ]
    assert missing == []


def test_every_private_override_is_fenced():
    """No module but oidc/dot_private.py defines a method named like a private django-oauth-toolkit one."""
    from oauth2_provider.oauth2_validators import OAuth2Validator

    private = {name for name in dir(OAuth2Validator) if name.startswith("_") and not name.startswith("__")}
    defined = {
        (module, node.name)
        for module, path in MODULES.items()
        if module != "oidc.dot_private"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name in private
    }
    assert defined == set()
