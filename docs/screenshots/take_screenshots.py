"""Take the portal's screenshots: the demo on SQLite, headless Chromium, two widths.

    python docs/screenshots/take_screenshots.py OUTPUT_DIR

The portal runs on a free loopback port with the builtin login; Maya Chen (a demo
client) logs in and every page is shot at 1280 and 390 pixels wide. This folder
keeps a few of them: the dashboard, an estimate and the invoice list at both
widths, the confirmation dialog and the print page.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bridge import create_app  # noqa: E402
from bridge.wp.db import Database  # noqa: E402
from bridge.wp.install import create_tables, install_site  # noqa: E402
from tests.e2e.harness import launch_chromium, new_page, serving  # noqa: E402
from wp_schema.demo import load_demo  # noqa: E402

WIDTHS = (1280, 390)
LOGIN, PASSWORD = "maya@example.com", "maya-demo-pass"


def main(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="portal-shots-"))
    url = f"sqlite:///{work / 'wordpress.sqlite'}"
    with Database(url).connect() as conn:
        create_tables(conn)
        install_site(conn, "http://127.0.0.1", "Northwind Studio", "owner@x.example")
        demo = load_demo(conn, work / "uploads", datetime.now(UTC))

    app = create_app(
        {
            "BRIDGE_DATABASE_URL": url,
            "BRIDGE_SECRET": "screenshots-" + "x" * 40,
            "BRIDGE_SITE_URL": "http://127.0.0.1",
            "BRIDGE_LOGIN": "builtin",
            "BRIDGE_UPLOADS_DIR": str(work / "uploads"),
        }
    )

    open_estimate = demo.estimates["maya"][1]
    pages = {
        "dashboard": "/",
        "estimates": "/estimates",
        "estimate": f"/estimates/{demo.estimates['maya'][2]}",
        "invoices": "/invoices",
        "invoice": f"/invoices/{demo.invoices['maya'][5]}",
        "settings": "/settings",
        "print": f"/invoices/{demo.invoices['maya'][5]}/print?autoprint=0",
    }
    with serving(app) as port, sync_playwright() as playwright:
        base = f"http://127.0.0.1:{port}/portal"
        browser = launch_chromium(playwright)
        for width in WIDTHS:
            viewport = {"width": width, "height": 900}
            with new_page(browser, viewport=viewport) as page:
                page.goto(f"{base}/login")
                page.fill("input[name=log]", LOGIN)
                page.fill("input[name=pwd]", PASSWORD)
                page.click("form button[type=submit]")
                page.wait_for_url(f"{base}/")
                for name, path in pages.items():
                    page.goto(base + path)
                    page.screenshot(
                        path=output / f"portal-{name}-{width}.png", full_page=True
                    )
                page.goto(f"{base}/estimates/{open_estimate}")
                page.fill(
                    f"#accept-note-{open_estimate}", "Looks great, let's start Monday."
                )
                page.click(f"#accept-form-{open_estimate} button[type=submit]")
                page.wait_for_timeout(300)
                page.screenshot(path=output / f"portal-dialog-{width}.png")
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
