"""Pytest plugin: a run without explicit paths must collect every test directory.

`make test` (and CI through it) runs bare `pytest`, which discovers tests from the invocation
directory. A list of apps to test once left one app out and nobody noticed for months, so
the bare run now checks what it collected: every directory under a `tests` directory that holds
test files (outside hidden directories and --ignore) must have given at least one test, or the
run stops with a usage error before any test runs. Runs given paths, `-k`, `-m`
or `--deselect` are unaffected: those narrow the run on purpose (and deselected tests still
count as collected).
"""

import fnmatch
import os
from pathlib import Path

import pytest

MISSING_MESSAGE = (
    "these test directories gave no tests, so the run would silently skip them: {dirs} "
    "(a testpaths entry, norecursedirs pattern or broken test_*.py file leaves them out)"
)

_collected = pytest.StashKey[set[Path]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_collected] = set()


def pytest_itemcollected(item: pytest.Item) -> None:
    # Recorded as items are collected, before -k/-m/--deselect drop any of them.
    item.config.stash[_collected].add(item.path.parent)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Stop a bare run whose collection missed a directory of test files."""
    config = session.config
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return
    if config.getoption("lf", default=False):
        # --last-failed skips files without failures at collection, on purpose.
        return
    missing = uncollected_test_dirs(config=config, collected=config.stash[_collected])
    if missing:
        names = ", ".join(str(path.relative_to(config.rootpath)) for path in missing)
        raise pytest.UsageError(MISSING_MESSAGE.format(dirs=names))


def uncollected_test_dirs(*, config: pytest.Config, collected: set[Path]) -> list[Path]:
    """Return the `tests` directories with test files under the start directory that gave none."""
    # norecursedirs is deliberately not consulted: a pattern there that hides an app is one of
    # the mistakes this guard exists to catch. Hidden directories (.venv, .git) never hold ours.
    start = config.invocation_params.dir
    base = config.rootpath if start.is_relative_to(config.rootpath) else start
    file_patterns = config.getini("python_files")
    ignored = {(start / path).resolve() for path in config.getoption("ignore") or []}
    ignore_globs = config.getoption("ignore_glob") or []
    missing = []
    for top, subdirs, files in os.walk(start):
        directory = Path(top)
        subdirs[:] = sorted(
            name
            for name in subdirs
            if not name.startswith((".", "__"))
            and (directory / name).resolve() not in ignored
            and not any(fnmatch.fnmatch(str(directory / name), glob) for glob in ignore_globs)
        )
        if "tests" not in directory.relative_to(base).parts:
            continue
        has_tests = any(
            fnmatch.fnmatch(name, pattern) and (directory / name).resolve() not in ignored
            for name in files
            for pattern in file_patterns
        )
        if has_tests and directory not in collected:
            missing.append(directory)
    return missing
