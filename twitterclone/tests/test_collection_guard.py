"""A bare `pytest` run (make test, CI) fails when a directory of tests is not collected."""

import pytest

GUARD = "twitterclone.tests.collection_guard"
# The inner sessions need no database and no Django: only the guard and collection.
INNER = ("-p", GUARD, "-p", "no:django", "-p", "no:cacheprovider", "--collect-only", "-q")


@pytest.fixture
def layout(pytester: pytest.Pytester) -> pytest.Pytester:
    """Two apps with tests, and a docs folder whose test-named file pytest must never enter."""
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\npython_files = ["test_*.py"]\nnorecursedirs = [".*", "docs"]\n'
    )
    for app in ("blog", "shop"):
        pytester.mkpydir(app)
        tests = pytester.mkpydir(f"{app}/tests")
        (tests / f"test_{app}.py").write_text("def test_it():\n    pass\n")
    docs = pytester.mkdir("docs")
    (docs / "test_example.py").write_text("def test_never_collected():\n    pass\n")
    return pytester


def test_bare_run_that_collects_every_test_directory_passes(layout):
    result = layout.runpytest(*INNER)

    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*2 tests collected*"])


def test_bare_run_that_misses_an_app_fails_naming_it(layout):
    result = layout.runpytest(*INNER, "--override-ini", "testpaths=blog")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test directories gave no tests*shop/tests*"])
    assert "blog/tests" not in result.stderr.str()


def test_explicit_paths_and_ignores_narrow_the_run_on_purpose(layout):
    assert layout.runpytest(*INNER, "blog").ret == pytest.ExitCode.OK
    assert layout.runpytest(*INNER, "--ignore", "shop").ret == pytest.ExitCode.OK


def test_deselected_tests_still_count_as_collected(layout):
    result = layout.runpytest(*INNER, "-k", "not shop")

    assert result.ret == pytest.ExitCode.OK


def test_a_directory_left_out_by_norecursedirs_fails_the_run(layout):
    result = layout.runpytest(*INNER, "--override-ini", "norecursedirs=.* docs shop")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*shop/tests*"])
