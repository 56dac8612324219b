"""Run snippets of real PHP, the oracle for the formats WordPress writes."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest


def php(code: str, stdin: str = "") -> str:
    """Run PHP code with the CLI and return what it printed."""
    if shutil.which("php") is None:
        pytest.fail("php is not installed (Debian: apt-get install php-cli)")
    result = subprocess.run(
        ["php", "-d", "display_errors=stderr", "-r", code],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"php failed: {result.stderr}")
    return result.stdout


def php_json(code: str, stdin: str = "") -> object:
    return json.loads(php(code, stdin))
