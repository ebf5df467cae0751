"""No module in the product packages grows past what a newcomer can read in one sitting."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "workers", "factdesk")
MAX_LINES = 400


def _line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for _ in lines)


def test_no_product_module_is_over_400_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if (lines := _line_count(path)) > MAX_LINES
    }
    assert too_long == {}, f"split by what they hold, {MAX_LINES} lines at most: {too_long}"
