"""HTML pages opened in a real browser (Debian's headless Chromium, driven by Playwright): every
bundled report's page loads without console errors or network requests, draws as many bars,
points and districts as its data has, fits an A4 page when printed, and shows hostile text as
text. A screenshot of each page is saved (to $JAANCH_PAGES_DIR when set)."""

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import jaanch
from playwright.sync_api import sync_playwright


# The limits the page draws to (src/output/svg.rs, chart.rs).
MAX_BARS = 150
MAX_LINES = 15

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</style><svg onload=alert(3)>",
    "' onmouseover='alert(4)",
]


def chromium() -> str:
    path = os.environ.get("JAANCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("no Chromium: install Debian's chromium package (scripts/test.sh does)")
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def pages_dir(tmp_path_factory) -> Path:
    where = os.environ.get("JAANCH_PAGES_DIR")
    path = Path(where) if where else tmp_path_factory.mktemp("pages")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Opened:
    """A page opened in the browser, with what it logged and asked for."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.console = []
        self.errors = []
        self.requests = []
        self.dialogs = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.failed = {}
        self.page.on("requestfailed", lambda r: self.failed.update({r.url: r.failure}))
        self.url = path.as_uri()
        self.page.goto(self.url, wait_until="load")

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def assert_quiet(self):
        assert self.console == [], self.console
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert [r for r in self.requests if r != self.url] == [], self.requests

    def assert_fits_a4_in_print(self, name: str):
        """Under print media, at an A4 page's printable width (210 mm less 2 × 14 mm margins,
        at 96 px per inch), nothing is wider than the page."""
        self.page.emulate_media(media="print")
        self.page.set_viewport_size({"width": 688, "height": 1000})
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: {overflow}px wider than an A4 page"
        pdf = self.page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1


def hints(report: jaanch.ReportInfo) -> dict:
    """The report's chart and map hints: {"chart": [kind, x, y, series?], "map": [...]}."""
    found = {}
    for hint in report.output:
        words = hint.split()
        if words[0] == "chart":
            kind, x, y, *rest = words[1:]
            found["chart"] = (kind, x, y, rest[1] if rest else None)
        elif words[0] == "map":
            found["map"] = words[1:]
    return found


def expected_bars(table: pa.Table, y: str) -> int:
    return min(len(table) - table[y].null_count, MAX_BARS)


def expected_points(table: pa.Table, x: str, y: str, series: str | None) -> int:
    """Points of the largest lines: one per step of a line that has a value there."""
    rows = table.filter(pc.is_valid(table[y]))
    if series is None:
        return len(set(rows[x].to_pylist()))
    totals = rows.group_by(series).aggregate([(y, "sum")]).sort_by([(f"{y}_sum", "descending")])
    largest = set(totals[series].to_pylist()[:MAX_LINES])
    steps = {(s, v) for s, v in zip(rows[series].to_pylist(), rows[x].to_pylist()) if s in largest}
    return len(steps)


def district_column(table: pa.Table, found: dict) -> str | None:
    if "map" in found:
        return found["map"][0]
    text = [f.name for f in table.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    for name in text:
        if name.lower() == "district":
            return name
    for name in text:
        if name.lower().endswith("_district") or name.lower().startswith("district_"):
            return name
    return None


def expected_districts(lake: jaanch.Lake, table: pa.Table, column: str, value: str | None) -> int:
    """Districts with a value, as district_canonical resolves the column."""
    lake.register("page_rows", table)
    try:
        where = f'WHERE "{value}" IS NOT NULL' if value else ""
        query = f'SELECT count(DISTINCT district_canonical("{column}")) AS n FROM page_rows {where}'
        return lake.sql(query).to_arrow()["n"][0].as_py()
    finally:
        lake.deregister("page_rows")


@pytest.fixture(scope="module")
def demo(demo_lake_path) -> jaanch.Lake:
    return jaanch.connect(demo_lake_path)


def test_every_bundled_report_page_draws_its_data_and_asks_for_nothing(demo, browser, pages_dir):
    reports = [r for r in demo.reports() if r.origin == "bundled"]
    assert len(reports) >= 8
    drawn = {"bars": 0, "points": 0, "districts": 0}
    # A value for each parameter without a default: a plate the lake knows.
    plate = demo.sql("SELECT plate FROM cctns.stolen_vehicles ORDER BY fir_id LIMIT 1").to_arrow()
    given = {"plate": plate["plate"][0].as_py()}
    for report in reports:
        required = {p.name: given[p.name] for p in report.params if p.required}
        result = demo.report(report.name, **required)
        table = result.to_arrow()
        path = pages_dir / f"{report.name}.html"
        path.write_text(result.to_html(), encoding="utf-8")
        opened = Opened(browser, path)
        opened.assert_quiet()
        assert opened.page.title() == report.title
        found = hints(report)
        bars, points = opened.count("rect.bar"), opened.count("circle.point")
        if "chart" in found and len(table) > 0:
            kind, x, y, series = found["chart"]
            if kind == "bar":
                assert bars == expected_bars(table, y), report.name
                assert points == 0
            else:
                assert points == expected_points(table, x, y, series), report.name
                assert bars == 0
        else:
            assert (bars, points) == (0, 0), report.name
        column = district_column(table, found)
        if column and len(table) > 0:
            value = None
            if "map" in found and len(found["map"]) > 1:
                value = found["map"][1]
            elif "chart" in found:
                value = found["chart"][2]
            districts = opened.count("circle.district.has-value")
            assert districts == expected_districts(demo, table, column, value), report.name
            assert opened.count("circle.district") == 41
            drawn["districts"] += districts
        else:
            assert opened.count("svg.map") == 0, report.name
        shown = min(len(table), 1000)
        assert opened.count("table.result tbody tr") == shown, report.name
        drawn["bars"] += bars
        drawn["points"] += points
        opened.page.screenshot(path=str(pages_dir / f"{report.name}.png"), full_page=True)
        opened.assert_fits_a4_in_print(report.name)
        opened.page.close()
    # The demo lake gives every kind of drawing something to draw.
    assert all(n > 0 for n in drawn.values()), drawn


def test_hostile_values_and_parameters_appear_as_text(demo, browser, pages_dir):
    posts = pa.table(
        {
            "district": ["Jaipur", "Kota", "Ajmer", HOSTILE[1]],
            "text": HOSTILE,
            "likes": pa.array([3, 1, 4, 1], pa.int64()),
        }
    )
    demo.register("hostile_posts", posts)
    result = demo.sql("SELECT district, text, likes FROM hostile_posts")
    path = pages_dir / "hostile_rows.html"
    path.write_text(result.to_html(), encoding="utf-8")
    opened = Opened(browser, path)
    opened.assert_quiet()
    cells = opened.page.locator("table.result tbody td").all_inner_texts()
    for hostile in HOSTILE:
        assert hostile in cells
    assert opened.count("table.result img") == 0
    assert opened.count("body script") == 0
    # The unplaced district is named as text in the map's note.
    assert opened.count("circle.district.has-value") == 3
    assert HOSTILE[1] in opened.page.locator("section.map").inner_text()
    opened.page.close()

    result = demo.report("weapon_posts", district=HOSTILE[1])
    path = pages_dir / "hostile_parameter.html"
    path.write_text(result.to_html(), encoding="utf-8")
    opened = Opened(browser, path)
    opened.assert_quiet()
    assert HOSTILE[1] in opened.page.locator("table.params").inner_text()
    assert opened.count("img") == 0
    opened.page.close()


def test_a_page_runs_nothing_even_if_a_script_got_in(demo, browser, tmp_path):
    """The policy is the second wall: a script and an image put into a page as jaanch writes
    it (as an escaping bug would) are refused by the browser, which says so on its console."""
    page = demo.sql("SELECT 'Jaipur' AS district, 1 AS n").to_html()
    tampered = page.replace(
        "</article>",
        '<script>document.title = "ran"</script><img src="http://127.0.0.1:9/x.png"></article>',
    )
    assert tampered != page
    path = tmp_path / "tampered.html"
    path.write_text(tampered, encoding="utf-8")
    opened = Opened(browser, path)
    assert opened.page.title() == "Query result"
    # The image was asked for and refused before it left the browser.
    assert [r for r in opened.requests if r != opened.url] == ["http://127.0.0.1:9/x.png"]
    assert opened.failed == {"http://127.0.0.1:9/x.png": "csp"}
    refusals = [m for m in opened.console if "Content Security Policy" in m]
    assert len(refusals) >= 2, opened.console
    opened.page.close()
