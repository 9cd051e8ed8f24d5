"""Browser tests: Playwright drives Debian's chromium against pytest-django's live_server.

No browser is downloaded: `.ci/run` installs the `chromium` package and these fixtures launch
it by path (CHROMIUM_PATH overrides). Screenshots go to BROWSER_ARTIFACTS (default
`build/browser/`, ignored by git).
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

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


# WCAG 2.2 A and AA plus axe's best practices (landmarks, headings, unique names).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
FAILING_IMPACTS = ("serious", "critical")
# The desktop layout and a phone (an iPhone 12-15 is 390 CSS pixels wide).
WIDTHS = (1280, 390)
_axe = Axe()


def _violations_report(page, width: int, violations: list[dict]) -> str:
    lines = [f"{page.url} at {width}px:"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            for check in node["any"] + node["all"] + node["none"]:
                lines.append(f"      - {check['message']}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page, widths: tuple[int, ...] = WIDTHS) -> None:
    """Fail on any serious or critical axe-core violation of the page, at each width.

    The page is checked as it is now (after the test's clicks), then the viewport goes back to
    the size it had.
    """
    size = page.viewport_size or {"width": 1280, "height": 720}
    reports = []
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": size["height"]})
            violations = _axe.run(page, options=AXE_OPTIONS).response["violations"]
            failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
            if failing:
                reports.append(_violations_report(page, width, failing))
    finally:
        page.set_viewport_size(size)
    if reports:
        report = "\n".join(reports)
        pytest.fail(f"axe found serious or critical violations:\n{report}", pytrace=False)


@pytest.fixture
def site(live_server, page):
    """Return a helper that opens a path of the live server in the test's page, checked by axe."""
    page.set_default_timeout(10_000)

    def open_path(path: str = "/"):
        page.goto(live_server.url + path)
        assert_accessible(page)
        return page

    return open_path
