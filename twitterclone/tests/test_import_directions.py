"""The apps depend on each other in one direction, with no cycle and no lazy import to hide one.

    twitterclone, jobs (plumbing) <- accounts <- media <- social <- tweets <- timelines, search,
        notifications <- stream <- moderation, mastodon_api

Read every application module with `ast` (tests and migrations aside: tests may reach any
app to set up a world, migrations are frozen history) and check each import of a project
module against that order. The entry layer (HTML views, the API, URL confs, templatetags,
management commands, the admin) sits above the domain apps: it may import any app below
moderation, so a page hangs where its URL does while its rules live in their domain.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# An app may import apps of a lower rank; equal ranks (timelines, search, notifications)
# never each other.
RANK = {
    "twitterclone": 0,
    # The job queue's leases and workers: plumbing under every app (it runs their jobs by path).
    "jobs": 0,
    "accounts": 1,
    # Uploads know their owner (accounts) and nothing above; tweets and profiles use them.
    "media": 2,
    "social": 3,
    "tweets": 4,
    "timelines": 5,
    "search": 5,
    "notifications": 5,
    # Live events: built through tweets' and notifications' rules, fed by their signals.
    "stream": 6,
    "moderation": 7,
    # The Mastodon-compatible API sits on top like an API layer; it never needs moderation
    # (its streaming endpoint will reuse stream).
    "mastodon_api": 7,
}
ENTRY_FILES = {"views.py", "urls.py", "admin.py", "wsgi.py", "asgi.py"}
ENTRY_FOLDERS = {"api", "templatetags", "commands", "settings"}

# Imports inside a function of a project module, each with the reason it cannot be at the top.
LAZY_ALLOWED = {
    # Django's documented place to connect receivers: once every app's models are loaded.
    ("timelines.apps", "timelines.receivers"),
    ("notifications.apps", "notifications.receivers"),
    ("stream.apps", "stream.receivers"),
    ("media.apps", "media.receivers"),
}


def _modules() -> dict[str, Path]:
    modules = {}
    for app in RANK:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _is_entry(module: str, path: Path) -> bool:
    parts = module.split(".")
    return path.name in ENTRY_FILES or bool(ENTRY_FOLDERS.intersection(parts[1:]))


def _imports(module: str, path: Path) -> list[tuple[str, bool]]:
    """Return (imported project module, inside a function) for every import in `path`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base_parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(base_parts + ([child.module] if child.module else []))
                else:
                    base = child.module or ""
                # `from pkg import module` depends on the module itself, not just the package.
                names = [
                    f"{base}.{alias.name}"
                    if child.module is None or f"{base}.{alias.name}" in MODULES
                    else base
                    for alias in child.names
                ]
            for name in names:
                if name.split(".")[0] in RANK:
                    found.append((name, in_function))
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            visit(child, inner)

    visit(ast.parse(path.read_text(), filename=str(path)), False)
    return found


def test_the_modules_are_found():
    assert {"tweets.services", "timelines.selectors", "social.signals"} <= MODULES.keys()
    assert {"media.services", "media.processing", "media.models"} <= MODULES.keys()


def test_apps_import_only_the_apps_below_them():
    wrong = []
    for module, path in MODULES.items():
        app = module.split(".")[0]
        entry = _is_entry(module, path)
        for imported, _ in _imports(module, path):
            target = imported.split(".")[0]
            if target == app:
                continue
            if entry and (app == "twitterclone" or RANK[target] < RANK["moderation"]):
                continue
            if RANK[target] >= RANK[app]:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def test_accounts_domain_modules_import_no_other_app():
    """accounts is the bottom app: its rules (models, services, forms...) know no app above.

    Its pages and API may call social (the settings page saves privacy through
    social.services) because they are entry layer; the domain must not (issue 12).
    """
    domain = {
        module: path
        for module, path in MODULES.items()
        if module.split(".")[0] == "accounts" and not _is_entry(module, path)
    }
    expected = {"models", "services", "selectors", "forms", "backends"}
    assert {f"accounts.{name}" for name in expected} <= domain.keys()
    upward = [
        f"{module} imports {imported}"
        for module, path in domain.items()
        for imported, _ in _imports(module, path)
        if imported.split(".")[0] not in {"accounts", "twitterclone"}
    ]
    assert upward == []


def test_no_project_module_is_imported_inside_a_function():
    """A lazy import of a project module usually hides a cycle; move the code instead."""
    lazy = [
        f"{module} imports {imported} in a function"
        for module, path in MODULES.items()
        for imported, in_function in _imports(module, path)
        if in_function and (module, imported) not in LAZY_ALLOWED
    ]
    assert lazy == []


def test_module_level_imports_have_no_cycle():
    graph = {
        module: {
            imported
            for imported, in_function in _imports(module, path)
            if not in_function and imported in MODULES and imported != module
        }
        for module, path in MODULES.items()
    }
    # A package's __init__ runs before its modules: a module importing its own package
    # (`from . import x` resolves to the module x, so these are rare) is no cycle.
    for module in graph:
        graph[module] = {other for other in graph[module] if not module.startswith(other + ".")}
    cycles, state = [], {}

    def walk(module: str, stack: list[str]) -> None:
        state[module] = "open"
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                cycles.append(" -> ".join([*stack[stack.index(other) :], other]))
            elif other not in state:
                walk(other, [*stack, other])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def test_the_checks_catch_an_upward_import_and_a_lazy_one(tmp_path):
    upward = tmp_path / "selectors.py"
    upward.write_text("from timelines.selectors import timeline_home\n")
    lazy = tmp_path / "services.py"
    lazy.write_text("def f():\n    from . import tasks\n")
    assert _imports("tweets.selectors", upward) == [("timelines.selectors", False)]
    assert _imports("tweets.services", lazy) == [("tweets.tasks", True)]
    assert not _is_entry("tweets.selectors", upward)
    assert _is_entry("tweets.api.views", tmp_path / "views.py")
