"""Try issue 11's attacks against the real production stack and say whether each one held.

    .venv/bin/python bench/attack_check.py --database tc_attack

migrates `--database` on 127.0.0.1:5432, seeds the demo world, starts granian with production
settings (DEBUG off, rate limits on, counters in Redis at --redis) on a free port, then, as an
attacker would from outside:

- guesses alice's password with her name dressed 12 ways (padding, tabs, no-break space,
  case, fullwidth letters) on the API and the HTML login, then tries the right password;
- registers from a new forged X-Forwarded-For each time, on the API and the HTML sign-up;
- sends every method to unmatched /api/ paths with a valid bearer token.

Each attack must end in 429 (or a JSON 404 for the paths). Prints one line per attack and
exits 1 if any got through. Not a test (it starts servers and takes ~20 s): the same rules
are pinned by twitterclone/tests/test_limits.py and test_api_json_everywhere.py.
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# The interpreter running this script and its environment's scripts (granian), as
# bench/stack.py finds them: any virtualenv or a container's Python, not only `.venv`.
from stack import PYTHON, executable  # noqa: E402

DEMO_PASSWORD = "demo-password-123"


def dresses(name: str) -> list[str]:
    """Return `name` dressed 12 ways that issue 11 saw each get a fresh counter (and more)."""
    fullwidth = "".join(chr(ord(char) + 0xFEE0) for char in name)
    return [
        name,
        f" {name}",
        f"{name} ",
        f"\t{name}",
        f"{name}\n",
        f"\xa0{name}",
        f" {name} ",
        name.upper(),
        name.capitalize(),
        fullwidth,
        f"{name}\u3000",
        f"\u2003{name}",
    ]


UNMATCHED = [
    "/api/v1/me/",
    "/api/v1/nope",
    "/api/v1/tweets/9223372036854775808/like",
    "/api/v1/tweets/-1/like",
    "/api/v1/tweets/0",
    "/api/v1/tweets/01",
    "/api/v1/tweets/abc",
    "/api/v1/%0A",
    "/api/v2/x",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(base, method, path, body=None, headers=None, opener=None):
    """Return (status, headers, text) of one request; never raise on an HTTP error status."""
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        data = body.encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class Browser:
    """A cookie-keeping client that posts forms with their CSRF token, as a browser would."""

    def __init__(self, base: str, forwarded_for: str | None = None):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}

    def post_form(self, path: str, fields: dict) -> int:
        _, _, page = call(self.base, "GET", path, headers=self.headers, opener=self.opener)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields})
        headers = {**self.headers, "Referer": self.base + path}
        return call(self.base, "POST", path, body, headers, opener=self.opener)[0]


@contextlib.contextmanager
def server(database: str, redis: str):
    """Run granian with production settings on a free port; yield its base URL."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "twitterclone.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": redis,
        "DJANGO_SECRET_KEY": "attack-check-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "API_THROTTLING": "on",
        "TASKS_BACKEND": "immediate",
        "PATH": f"{executable('granian').parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    manage = [str(PYTHON), "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(["redis-cli", "-u", redis, "flushdb"], check=True, capture_output=True)
    port = free_port()
    env.update(WEB_HOST="127.0.0.1", WEB_PORT=str(port), WEB_WORKERS="2")
    process = subprocess.Popen(["sh", "deploy/serve.sh"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                if call(base, "GET", "/api/v1/hashtags/trending")[0] == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"the server on {base} did not answer in 20 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def attacks(base: str) -> list[tuple[str, bool, str]]:
    results = []

    api_answers = [
        call(base, "POST", "/api/v1/auth/token", {"username": name, "password": "wrong"})[0]
        for name in dresses("alice")
    ]
    right = call(
        base, "POST", "/api/v1/auth/token", {"username": " alice ", "password": DEMO_PASSWORD}
    )
    html_right = Browser(base).post_form(
        "/login/", {"username": "ALICE", "password": DEMO_PASSWORD}
    )
    results.append(
        (
            "12 wrong passwords, name dressed 12 ways (API), then the right one (API, HTML)",
            api_answers.count(429) == 2 and right[0] == 429 and html_right == 429,
            f"API {api_answers}; right password API {right[0]}, HTML {html_right}",
        )
    )

    bob_html = [
        Browser(base).post_form("/login/", {"username": name, "password": "wrong"})
        for name in dresses("bob")
    ]
    bob_api = call(
        base, "POST", "/api/v1/auth/token", {"username": "bob", "password": DEMO_PASSWORD}
    )
    results.append(
        (
            "12 wrong passwords for bob on the HTML login, then the right one on the API",
            bob_html.count(429) == 2 and bob_api[0] == 429,
            f"HTML {bob_html}; right password API {bob_api[0]}",
        )
    )

    registered = []
    run = int(time.time())
    for number in range(22):
        body = {
            "username": f"spam{run}_{number}",
            "email": f"spam{run}_{number}@example.com",
            "password": "a-long-enough-passphrase",
        }
        forged = {"X-Forwarded-For": f"203.0.113.{number}"}
        registered.append(call(base, "POST", "/api/v1/auth/register", body, forged)[0])
    signup = Browser(base, forwarded_for="198.51.100.7").post_form(
        "/signup/",
        {
            "username": f"spam{run}_html",
            "email": f"spam{run}_html@example.com",
            "password": "a-long-enough-pass",
        },
    )
    results.append(
        (
            "22 registrations, each with a new forged X-Forwarded-For, then the HTML sign-up",
            registered.count(201) == 20 and registered[20:] == [429, 429] and signup == 429,
            f"API {registered}; HTML sign-up {signup}",
        )
    )

    token = None
    # carol was never attacked: her name's counter is fresh and the IP's is under its 60.
    status, _, text = call(
        base,
        "POST",
        "/api/v1/auth/token",
        {"username": "carol", "password": DEMO_PASSWORD},
    )
    if status == 200:
        token = json.loads(text)["token"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    bad = []
    for path in UNMATCHED:
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            code, answer_headers, _ = call(
                base, method, path, {} if method != "GET" else None, headers
            )
            if code != 404 or "application/json" not in answer_headers.get("Content-Type", ""):
                bad.append(f"{method} {path} {code}")
    results.append(
        (
            f"5 methods x {len(UNMATCHED)} unmatched /api/ paths with a bearer token: JSON 404",
            not bad,
            "all JSON 404" if not bad else "; ".join(bad[:6]),
        )
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="tc_attack")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database],
        check=False,
        capture_output=True,
    )
    with server(args.database, args.redis) as base:
        results = attacks(base)
    for name, held, detail in results:
        print(f"{'held' if held else 'FAILED'}  {name}\n      {detail}")
    return 0 if all(held for _, held, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
