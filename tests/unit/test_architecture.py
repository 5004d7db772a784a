"""The package's layers, read from its imports (ast, so imports inside functions count too).

flows/ are the use cases, oidc/, cas/ and sso/ the protocol cores, console/ the school pages' views: no HTTP, no AWS
SDK, no Lambda toolkit. web/ is the HTTP glue: it reaches the data only through the flows and the domain modules,
never the store (it only maps the store's errors to answers). Mail and templates know nothing of web/. And no two
modules import each other, even through a chain or from inside a function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "ent_accounts"

FLOWS_MAY_NOT_IMPORT = ("ent_accounts.web", "boto3", "botocore", "aws_lambda_powertools")
# The protocol cores (OpenID Connect, CAS, and what every single sign-on protocol shares) are held to the same rule,
# and so are the school console's views (plain functions the staff pages' routes call).
USE_CASES = ("ent_accounts.flows", "ent_accounts.oidc", "ent_accounts.cas", "ent_accounts.sso", "ent_accounts.console")
MAIL_MODULES = ("ent_accounts.mail", "ent_accounts.templates")
STORE = "ent_accounts.store"
# What web may take from the store: the store's error contract, from the package itself (one place maps these to
# HTTP answers); never a record, a method or a submodule.
STORE_ERRORS_FOR_WEB = {"Conflict", "IdentifierTaken", "StoreUnavailable", "ValueRefused", "StoreFailure"}


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package and of the handlers, by dotted name (functions/login/app.py: functions.login.app)."""
    found = {}
    for base, folder in ((root / "layers" / "common", PACKAGE), (root, "functions")):
        for path in sorted((base / folder).rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every import statement, at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, source] if source else base)
            for alias in node.names:
                yield source, alias.name, node.lineno


def graph(root: Path) -> dict[str, set[str]]:
    """Module → the modules of the package it imports (`from ent_accounts.web import api` is the module api)."""
    known = modules(root)
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for source, imported, _ in imports(name, path):
            target = f"{source}.{imported}" if f"{source}.{imported}" in known else source
            if target in known and target != name:
                edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer_violations(root: Path) -> list[str]:
    """Every import that crosses a layer the wrong way, as `module:line imports target`."""
    wrong = []
    for name, path in modules(root).items():
        for source, imported, line in imports(name, path):
            target = f"{source}.{imported}" if imported and imported != "*" else source
            where = f"{name}:{line} imports {target}"
            if any(_within(name, package) for package in USE_CASES) and any(
                _within(source, banned) or _within(target, banned) for banned in FLOWS_MAY_NOT_IMPORT
            ):
                wrong.append(f"{where} (flows and protocol cores know no HTTP, AWS SDK nor Lambda toolkit)")
            if (
                _within(name, "ent_accounts.web")
                and (_within(source, STORE) or _within(target, STORE))
                and not (source == STORE and imported in STORE_ERRORS_FOR_WEB)
            ):
                wrong.append(f"{where} (web reaches the data through flows and domain modules)")
            if any(_within(name, mail) for mail in MAIL_MODULES) and (
                _within(source, "ent_accounts.web") or _within(target, "ent_accounts.web")
            ):
                wrong.append(f"{where} (mail and templates know nothing of web)")
    return wrong


def test_the_modules_are_found():
    found = modules(ROOT)
    assert {"ent_accounts.web.api", "ent_accounts.flows.login", "functions.login.app"} <= set(found)


def test_no_import_cycle():
    assert cycles(graph(ROOT)) == []


def test_every_import_respects_the_layers():
    assert layer_violations(ROOT) == []


def test_the_checks_see_imports_inside_functions(tmp_path):
    package = tmp_path / "layers" / "common" / PACKAGE
    (package / "flows").mkdir(parents=True)
    (package / "web").mkdir()
    (tmp_path / "functions").mkdir()
    for folder in (package, package / "flows", package / "web"):
        (folder / "__init__.py").write_text("")
    (package / "web" / "api.py").write_text("from ent_accounts.web.pages import page\n")
    (package / "web" / "pages.py").write_text("def page():\n    from ent_accounts.web import api\n")
    (package / "flows" / "login.py").write_text(
        "def login():\n    import boto3\n    from ent_accounts.web import api\n"
    )
    assert cycles(graph(tmp_path)) == [["ent_accounts.web.api", "ent_accounts.web.pages"]]
    assert [wrong.split(" (")[0] for wrong in layer_violations(tmp_path)] == [
        "ent_accounts.flows.login:2 imports boto3",
        "ent_accounts.flows.login:3 imports ent_accounts.web.api",
    ]
