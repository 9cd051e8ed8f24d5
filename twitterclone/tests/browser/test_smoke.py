"""The browser stack itself: chromium starts, the live server answers, pages render."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_signed_out_home_page_renders_in_chromium(site, artifacts_dir):
    page = site("/")

    assert page.title()
    assert page.get_by_role("link", name="Sign up").first.is_visible()
    page.screenshot(path=artifacts_dir / "welcome.png", full_page=True)
    assert (artifacts_dir / "welcome.png").stat().st_size > 0
