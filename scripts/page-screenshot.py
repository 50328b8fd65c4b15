#!/usr/bin/env python3
"""Takes a PNG screenshot of part of a jaanch HTML page in headless Chromium (Debian's package),
as the README's picture was made:

    jaanch run district_crime_summary --html summary.html
    .venv/bin/python scripts/page-screenshot.py summary.html docs/district-map.png

Needs Playwright (`pip install playwright`; scripts/test.sh installs it into .venv) and
/usr/bin/chromium. The page is opened from the file, with no network.
"""

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="an HTML page jaanch wrote")
    parser.add_argument("png", type=Path, help="where the screenshot goes")
    parser.add_argument(
        "--selector",
        default="section.map",
        help="the part of the page to take (default: the district map)",
    )
    parser.add_argument("--width", type=int, default=720, help="the browser's width in pixels")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("error: no Chromium: install Debian's chromium package", file=sys.stderr)
        return 1
    if not args.page.is_file():
        print(f"error: no page at {args.page}", file=sys.stderr)
        return 1
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 1000})
        page.goto(args.page.resolve().as_uri())
        part = page.locator(args.selector).first
        if part.count() == 0:
            print(f"error: the page has no {args.selector}", file=sys.stderr)
            return 1
        part.screenshot(path=str(args.png))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
