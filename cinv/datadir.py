"""Where cinv's built-in folders lie (templates/, the example inventory/)."""
from __future__ import annotations

from pathlib import Path

from cinv.errors import CinvError

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """A top-level folder of the project (templates/, inventory/): inside an installed wheel it
    lies in cinv/_data/, in a source checkout next to the package."""
    for candidate in (PACKAGE_DIR / "_data" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise CinvError(f"cinv's built-in {name}/ folder is missing from this installation")
