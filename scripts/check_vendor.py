#!/usr/bin/env python3
"""Check vendored front-end files against the table in the vendor README.

Reads the Markdown table in cityops/core/static/vendor/README.md. For each
row it checks:

- the sha256 of the file in the "Vendored as" column matches the "sha256"
  column;
- the VERSION file next to it matches the "Version" column.

It also fails if a .js file under the vendor directory is not in the table.
Exits 0 if everything matches. Otherwise it prints one line per problem,
naming the file, and exits 1. Uses only the standard library.

Usage: python scripts/check_vendor.py [VENDOR_DIR]
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENDOR_DIR = REPO_ROOT / "cityops" / "core" / "static" / "vendor"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _cells(line: str) -> list[str]:
    """Split a Markdown table row into cells with backticks and spaces removed."""
    inner = line.strip().strip("|")
    return [c.strip().strip("`").strip() for c in inner.split("|")]


def parse_table(readme: Path) -> list[dict[str, str]]:
    """Return the table rows that have a "Vendored as" and a "sha256" column."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in readme.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if all(set(c) <= set(":-") for c in cells):  # separator row |---|
            continue
        if "vendored as" in header and "sha256" in header:
            if len(cells) != len(header):
                raise ValueError(
                    f"table row has {len(cells)} cells, header has {len(header)}: {line}"
                )
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def check(vendor_dir: Path) -> list[str]:
    readme = vendor_dir / "README.md"
    if not readme.is_file():
        return [f"{readme}: README not found"]
    try:
        rows = parse_table(readme)
    except ValueError as exc:
        return [f"{readme}: {exc}"]
    if not rows:
        return [f"{readme}: no table rows with 'Vendored as' and 'sha256' columns"]

    problems: list[str] = []
    listed: set[Path] = set()
    for row in rows:
        rel = row.get("vendored as", "")
        expected = row.get("sha256", "").lower()
        path = (vendor_dir / rel).resolve()
        listed.add(path)
        if not SHA256_RE.match(expected):
            problems.append(f"{rel}: README sha256 is not a 64-hex-digit value: {expected!r}")
            continue
        if not path.is_file():
            problems.append(f"{rel}: file missing")
            continue
        actual = sha256_of(path)
        if actual != expected:
            problems.append(f"{rel}: sha256 mismatch (README {expected}, file {actual})")
        version = row.get("version", "")
        version_file = path.parent / "VERSION"
        if version and version_file.is_file():
            on_disk = version_file.read_text(encoding="utf-8").strip()
            if on_disk != version:
                problems.append(
                    f"{version_file.relative_to(vendor_dir)}: says {on_disk!r}, README says {version!r}"
                )
        elif version:
            problems.append(f"{version_file.relative_to(vendor_dir)}: file missing")

    for js in sorted(vendor_dir.rglob("*.js")):
        if js.resolve() not in listed:
            problems.append(f"{js.relative_to(vendor_dir)}: not listed in README table")
    return problems


def main(argv: list[str]) -> int:
    vendor_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_VENDOR_DIR
    problems = check(vendor_dir)
    if problems:
        for p in problems:
            print(f"check_vendor: FAIL {p}", file=sys.stderr)
        return 1
    print(f"check_vendor: OK ({vendor_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
