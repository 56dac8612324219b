"""Render the reference pictures in docs/pdf/ from the sample invoices.

Run from the repository root: ``python bench/render_reference.py``.  Needs
``pdftoppm`` (Debian: poppler-utils) and Pillow (which reportlab installs).
"""

import subprocess
import sys
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw

# Runs from a checkout, installed or not.
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from samples import SENDER, invoice, rtl_invoice  # noqa: E402

from bridge.pdf import render_document  # noqa: E402

OUT = HERE.parent / "docs" / "pdf"


def draw_logo(path: Path) -> None:
    """Draw a small two-tone mark to stand in for a business's logo."""
    image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 10, 100, 110), radius=18, fill=(43, 91, 132, 255))
    draw.polygon([(22, 88), (50, 30), (78, 88)], fill=(255, 255, 255, 255))
    draw.rectangle((120, 40, 340, 56), fill=(43, 91, 132, 255))
    draw.rectangle((120, 70, 280, 82), fill=(150, 170, 190, 255))
    image.save(path)


def to_png(pdf: bytes, pages: list[int], stem: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        for page in pages:
            target = OUT / f"{stem}-page{page}"
            command = ["pdftoppm", "-png", "-r", "60", "-singlefile"]
            command += ["-f", str(page), "-l", str(page), str(source), str(target)]
            subprocess.run(command, check=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        logo = Path(folder) / "logo.png"
        draw_logo(logo)
        sender = replace(SENDER, logo_path=str(logo))

        short = invoice(
            2, sender=sender, paid=Decimal("200"), overdue=False, status="viewed"
        )
        long = invoice(300, sender=sender, status="paid", overdue=False)
        to_png(render_document(short), [1], "invoice-one-page")
        to_png(render_document(long), [1, 2], "invoice-300-items")
        rtl = rtl_invoice(sender=sender, paid=Decimal("1000"), overdue=False)
        to_png(render_document(rtl), [1], "invoice-rtl")


if __name__ == "__main__":
    main()
