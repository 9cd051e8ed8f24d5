"""Run Lighthouse (mobile, its defaults) on a few pages of a running server; print the scores.

`make lighthouse` installs Lighthouse from npm into build/lighthouse (gitignored) and runs this
against `make run`'s server; by hand:

    .venv/bin/python bench/lighthouse.py --base-url http://127.0.0.1:8000 \\
        --lighthouse build/lighthouse/node_modules/.bin/lighthouse [--json PATH]

Chrome is Debian's chromium (CHROME_PATH, default /usr/bin/chromium); nothing is downloaded.
Each page's full report is saved next to the binary's folder (build/lighthouse/reports/).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

PATHS = ["/", "/explore", "/@alice", "/login"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def run(lighthouse: Path, url: str, report: Path) -> dict:
    command = [
        str(lighthouse),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, check=True, env=env)
    data = json.loads(report.read_text())
    scores = {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}
    # What kept a category under 100: each failing audit's title.
    failing = sorted(
        {
            audit["title"]
            for category in data["categories"].values()
            for ref in category["auditRefs"]
            if ref["weight"] > 0
            for audit in [data["audits"][ref["id"]]]
            if audit["score"] is not None and audit["score"] < 1
        }
    )
    return {"scores": scores, "failing": failing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--lighthouse", type=Path, required=True)
    parser.add_argument("--paths", nargs="*", default=PATHS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    reports = args.lighthouse.absolute().parents[2] / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    results = {}
    print(f"{'page':12} " + " ".join(f"{c:>14}" for c in CATEGORIES))
    for path in args.paths:
        name = path.strip("/").replace("/", "_").replace("@", "") or "home"
        result = run(args.lighthouse, args.base_url + path, reports / f"{name}.json")
        results[path] = result
        print(f"{path:12} " + " ".join(f"{result['scores'][c]:>14}" for c in CATEGORIES))
        for title in result["failing"]:
            print(f"{'':12}   below 100: {title}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    # The targets (docs/accessibility.md): 100 but performance, which wants 95.
    if any(r["scores"][c] < TARGETS[c] for r in results.values() for c in CATEGORIES):
        sys.exit(1)


if __name__ == "__main__":
    main()
