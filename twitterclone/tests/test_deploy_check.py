"""Production settings pass Django's deployment check once the HTTPS settings are given.

Runs `manage.py check --deploy --fail-level WARNING` in a child process with
twitterclone.settings.production and the environment docs/scaling.md ("Production settings")
lists, and checks the HTTPS defaults each variable documents.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTTPS = {
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
}
SETTINGS_PRINTED = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
)


def _production_env(**extra: str) -> dict:
    """The required production variables, none of the caller's DJANGO_* ones, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="twitterclone.settings.production",
        DATABASE_URL="postgres://app@db.invalid:5432/twitterclone",
        REDIS_URL="redis://cache.invalid:6379/0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="social.example.com",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://social.example.com",
        **extra,
    )
    return env


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _settings(env: dict) -> dict:
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SETTINGS_PRINTED!r}}}))"
    )
    result = _run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_passes_without_warnings_when_https_settings_are_given():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(**HTTPS)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_without_the_https_variables_asks_only_for_the_opt_ins():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())

    output = result.stdout + result.stderr
    assert result.returncode == 1
    # Redirect and HSTS are on by default; subdomains and preload stay the operator's call.
    assert "security.W005" in output and "security.W021" in output
    assert "security.W004" not in output and "security.W008" not in output


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {},
            {
                "SECURE_SSL_REDIRECT": True,
                "SECURE_HSTS_SECONDS": 31536000,
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
                "SECURE_HSTS_PRELOAD": False,
                "SESSION_COOKIE_SECURE": True,
            },
        ),
        # Plain HTTP (docker-compose on localhost, bench/): one switch, no redirect loop.
        (
            {"DJANGO_SECURE_COOKIES": "false"},
            {"SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False},
        ),
        (
            {"DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_SECURE_HSTS_SECONDS": "0"},
            {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0},
        ),
        (HTTPS, {"SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True}),
    ],
    ids=["defaults", "plain-http", "explicitly-off", "https-given"],
)
def test_https_settings_come_from_the_environment(extra, expected):
    values = _settings(_production_env(**extra))

    assert {name: values[name] for name in expected} == expected


@pytest.mark.parametrize("proxies", ["10.0.0.0/33", "10.0.0.0/8, not-a-network"])
def test_a_mistyped_trusted_proxy_network_stops_the_start(proxies):
    result = _run(["manage.py", "check"], _production_env(TRUSTED_PROXIES=proxies))

    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr and "is not a network" in result.stderr


def test_trusted_proxy_networks_that_parse_start_fine():
    env = _production_env(TRUSTED_PROXIES="10.0.0.0/8, fd00::/8 ,192.168.1.7")
    result = _run(["manage.py", "check"], env)

    assert result.returncode == 0, result.stderr
