"""The report's reference cases with the characteristics the advisor reads.

Pure: no Django. ``load_case_library()`` joins ``portfolio/data/cases.yaml`` (a verbatim copy of
shared/domain/cases.yaml, seed 001) with ``portfolio/data/case_characteristics.yaml`` (one value
and one ``why`` per characteristic) into ``Case`` objects: demo data, and the advisor's check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .advisor import AdvisorInputError, Characteristics
from .vocab import OperationModel

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CASES_PATH = DATA_DIR / "cases.yaml"
CHARACTERISTICS_PATH = DATA_DIR / "case_characteristics.yaml"


class CaseLibraryError(ValueError):
    """The case files disagree or a value is invalid; names the case (and field)."""


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    region: str
    actual_model: OperationModel
    characteristics: Characteristics
    why: dict[str, str] = field(default_factory=dict)  # characteristic -> justification


def _read_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_case_library(
    cases_yaml_path: str | Path = CASES_PATH,
    characteristics_path: str | Path = CHARACTERISTICS_PATH,
) -> list[Case]:
    """Cases with a model, in the order of the cases file. Every such case must have
    characteristics and every characteristics entry must name a case with a model."""
    cases = (_read_yaml(Path(cases_yaml_path)) or {}).get("cases") or []
    chars = (_read_yaml(Path(characteristics_path)) or {}).get("cases") or {}
    modelled = {c["id"]: c for c in cases if c.get("model")}
    stray = sorted(set(chars) - set(modelled))
    if stray:
        raise CaseLibraryError(f"characteristics for unknown or model-less cases: {stray}")
    library = []
    for case_id, case in modelled.items():
        entry = chars.get(case_id)
        if entry is None:
            raise CaseLibraryError(f"{case_id}: no characteristics in {characteristics_path}")
        values, why = {}, {}
        for name, item in entry.items():
            if not isinstance(item, dict) or "value" not in item or not item.get("why"):
                raise CaseLibraryError(f"{case_id}.{name}: needs a value and a why")
            values[name] = item["value"]
            why[name] = item["why"]
        try:
            characteristics = Characteristics.from_dict(values)
        except AdvisorInputError as e:
            raise CaseLibraryError(f"{case_id}.{e}") from e
        library.append(
            Case(
                id=case_id,
                name=case["name"],
                region=case["region"],
                actual_model=OperationModel(case["model"]),
                characteristics=characteristics,
                why=why,
            )
        )
    return library
