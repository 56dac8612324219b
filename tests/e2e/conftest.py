"""Fixtures of the browser tests: a WordPress of each module's own, and Chromium.

Each module gets a fresh WordPress per release (6.1 with keys and salts in its
config, 6.8 with them in options), since the tests change what it holds. Both
fail in CI when they cannot run, and skip elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import CHROMIUM, launch_chromium
from tests.wordpress import WordPress, WordPressUnavailable, start_wordpress


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("6.1", True), id="wp6.1"),
        pytest.param(("6.8", False), id="wp6.8"),
    ],
)
def wp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WordPress]:
    """A WordPress of this module's own, on the release the parameter names."""
    version, with_salts = request.param
    workdir = tmp_path_factory.mktemp(f"{request.path.stem}-{version}")
    try:
        with start_wordpress(version, workdir, with_salts=with_salts) as site:
            yield site
    except WordPressUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"WordPress {version} is required in CI: {exc}")
        pytest.skip(f"WordPress {version} cannot run here: {exc}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for the module's tests; each page gets a context of its own."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
