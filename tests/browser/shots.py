"""Screenshots of the admin for the docs and for reviewers, taken by the browser tests.

Only when asked for: `BROADSHEET_SCREENSHOTS=screenshots` (ignored by git) keeps them for
a look, `BROADSHEET_SCREENSHOTS=docs/screenshots` refreshes the ones the docs show. A
plain run takes none: they are not checked, and some 40 full-page captures and their
colour reduction cost CPU in every `make test`.
Each is stored as a 256-colour PNG: the admin's flat colours survive, the file stays small.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def shots_dir() -> Path | None:
    folder = os.environ.get("BROADSHEET_SCREENSHOTS")
    return ROOT / folder if folder else None


def shoot(page, name: str, full_page: bool = True) -> Path | None:
    """Save `page` as `<name>.png` in `BROADSHEET_SCREENSHOTS` and return the path; None
    when no folder is asked for."""
    folder = shots_dir()
    if folder is None:
        return None
    target = folder / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=full_page))).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target
