"""Screenshots of the admin for the docs and for reviewers, taken by the browser tests.

By default they go to `screenshots/` (ignored by git); with
`BROADSHEET_SCREENSHOTS=docs/screenshots` they refresh the ones `docs/editors.md` shows.
Each is stored as a 256-colour PNG: the admin's flat colours survive, the file stays small.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def shots_dir() -> Path:
    return ROOT / os.environ.get("BROADSHEET_SCREENSHOTS", "screenshots")


def shoot(page, name: str, full_page: bool = True) -> Path:
    """Save `page` as `<name>.png`; returns the path."""
    target = shots_dir() / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=full_page))).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target
