"""The demo site: complete, in the CRM's format, and readable by PHP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

from bridge.money import compute_totals
from bridge.wp.meta import get_metas
from bridge.wp.serialization import is_serialized
from tests.php import php
from wp_schema.demo import ESTIMATE_STATUSES, INVOICE_STATUSES, load_demo


def test_the_demo_has_every_client_kind_and_every_status(conn, tmp_path):
    site = load_demo(conn, tmp_path / "uploads")

    assert set(site.clients) == {"maya", "acme", "jonas", "lena"}
    types = {
        key: conn.scalar("SELECT post_type FROM {posts} WHERE ID = %s", (post_id,))
        for key, post_id in site.clients.items()
    }
    assert types == {
        "maya": "ndpv_person",
        "acme": "ndpv_org",
        "jonas": "ndpv_person",
        "lena": "ndpv_person",
    }
    jonas = get_metas(conn, "post", [site.clients["jonas"]])[site.clients["jonas"]]
    assert jonas["org_id"] == str(site.clients["acme"])

    for key in site.clients:
        ids = site.estimates[key] + site.invoices[key]
        metas = get_metas(conn, "post", ids)
        statuses = [metas[i]["status"] for i in site.estimates[key]]
        assert statuses == list(ESTIMATE_STATUSES)
        invoice_statuses = [metas[i]["status"] for i in site.invoices[key]]
        assert invoice_statuses == [
            "sent" if s == "overdue" else s for s in INVOICE_STATUSES
        ]
        for doc_id in ids:
            invoice = metas[doc_id]["invoice"]
            kinds = {f["type"] for f in invoice["extra_field"].values()}
            assert kinds == {"tax", "fee", "discount"}
            assert compute_totals(invoice).item_taxes > 0
            assert len(metas[doc_id]["token"]) == 40


def test_every_serialized_value_of_the_demo_unserializes_in_php(conn, tmp_path):
    load_demo(conn, tmp_path / "uploads")
    values = [
        row["meta_value"]
        for table in ("postmeta", "usermeta", "termmeta")
        for row in conn.query(f"SELECT meta_value FROM {{{table}}}")
    ]
    values += [
        r["option_value"] for r in conn.query("SELECT option_value FROM {options}")
    ]
    serialized = [v for v in values if is_serialized(v)]
    assert len(serialized) > 50

    code = (
        "$bad = 0; foreach (json_decode(stream_get_contents(STDIN)) as $v) {"
        " $x = @unserialize($v); if ($x === false && $v !== 'b:0;') { $bad++; } }"
        "echo json_encode($bad);"
    )
    assert json.loads(php(code, json.dumps(serialized))) == 0


def test_demo_command_builds_and_serves_the_portal(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bridge.cli",
            "demo",
            "--dir",
            str(tmp_path / "demo"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/portal/healthz"
                with urllib.request.urlopen(url, timeout=2) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.3)
        assert body == {"status": "ok", "database": "ok"}
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/portal/" in output
    assert "maya@example.com" in output
