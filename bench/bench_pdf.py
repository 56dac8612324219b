"""Time how long an invoice PDF takes to render, by number of items.

Run from the repository root: ``python bench/bench_pdf.py [--repeats N]``.  Each
size is rendered once to warm up (font loading, imports), then ``N`` times; the
median and the fastest run are reported, and every size is compared with the
10-item invoice measured in the same run, so the ratios hold across machines.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

# Runs from a checkout, installed or not.
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from samples import invoice  # noqa: E402

from bridge.pdf import render_document  # noqa: E402

SIZES = (10, 100, 300)
PEER = 10


def measure(count: int, repeats: int) -> tuple[list[float], int, int]:
    """Render a ``count``-item invoice ``repeats`` times.

    Return the seconds each run took, the PDF's size in bytes and its page count.
    """
    doc = invoice(count)
    data = render_document(doc)

    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        render_document(doc)
        timings.append(time.perf_counter() - start)

    return timings, len(data), data.count(b"/Type /Page\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    results = {count: measure(count, args.repeats) for count in SIZES}
    peer = statistics.median(results[PEER][0])
    peer_fastest = min(results[PEER][0])

    print(
        f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, {args.repeats} repeats\n"
    )
    print(
        "| items | pages | size | median | fastest | median per item "
        "| median vs 10 items | fastest vs 10 items |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count, (timings, size, pages) in results.items():
        median = statistics.median(timings)
        print(
            f"| {count} | {pages} | {size / 1024:.0f} KiB | {median * 1000:.1f} ms "
            f"| {min(timings) * 1000:.1f} ms | {median / count * 1000:.2f} ms "
            f"| {median / peer:.1f}x | {min(timings) / peer_fastest:.1f}x |"
        )


if __name__ == "__main__":
    main()
