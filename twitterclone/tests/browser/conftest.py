"""Browser tests: Playwright drives Debian's chromium against pytest-django's live_server.

No browser is downloaded: `.ci/run` installs the `chromium` package and these fixtures launch
it by path (CHROMIUM_PATH overrides). Screenshots go to BROWSER_ARTIFACTS (default
`build/browser/`, ignored by git).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then refuse
# database calls from that thread (the live server's own threads are unaffected).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", Path(__file__).parents[3] / "build/browser"))

# The flags the machine needs: no sandbox as root, no GPU, and no background traffic that the
# closed network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing: install Debian's chromium package (.ci/run does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def site(live_server, page):
    """Return a helper that opens a path of the live server in the test's page."""
    page.set_default_timeout(10_000)

    def open_path(path: str = "/"):
        page.goto(live_server.url + path)
        return page

    return open_path
