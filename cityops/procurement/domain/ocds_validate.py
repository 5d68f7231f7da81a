"""Offline validation against the OCDS 1.1.5 schemas copied in ``ocds_schema/``.

``jsonschema`` Draft 4 (as the schemas declare) with a ``referencing`` registry that maps the
schemas' absolute URLs (``https://standard.open-contracting.org/schema/1__1__5/…``) to the local
copies, so nothing is fetched. Format checking is on: ``date-time`` is checked through
``rfc3339-validator`` (installed with jsonschema); ``uri`` is checked only if an URI validator
package is installed, which the project does not require.

Validators are built once and cached. Two changes to stock jsonschema, for speed only, that
give the same outcome:

- ``uniqueItems`` is checked by hashing a canonical form of each item (JSON equality: ``1``
  equals ``1.0``, ``true`` does not equal ``1``, key order does not matter) instead of
  jsonschema's pairwise comparison, which is quadratic and takes minutes on a package of 30,000
  releases. An array with two equal items still fails, naming their positions.
- An organisation (``Organization`` / ``OrganizationReference``) already found valid at the same
  place in the schema is not validated again: releases repeat the same parties, and they are
  about half of the work.

``validate_release_package(pkg)`` / ``validate_record_package(pkg)`` / ``validate_release(r)``
return the errors as ``"<JSON path>: <message>"`` strings (empty: valid), sorted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, ValidationError, validators
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).resolve().parent / "ocds_schema"
SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
SCHEMA_FILES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)
MAX_MESSAGE = 300


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def _working_copy(name: str) -> dict[str, Any]:
    """The schema as validated against: the file's contents less its ``$schema`` key. With the
    key, jsonschema switches to its stock Draft 4 class on entering a referenced schema, and the
    two changes below would apply to the package's top level only. The resources are declared
    Draft 4 explicitly, so nothing else changes."""
    return {k: v for k, v in schema(name).items() if k != "$schema"}


@cache
def registry() -> Registry:
    """Every local schema under its canonical URL (its ``id``)."""
    resources = []
    for name in SCHEMA_FILES:
        contents = _working_copy(name)
        uri = contents.get("id") or SCHEMA_BASE + name
        resources.append((uri, DRAFT4.create_resource(contents)))
    return Registry().with_resources(resources)


def _canonical(value: Any) -> Any:
    """A hashable form equal for JSON-equal values."""
    if isinstance(value, dict):
        return ("object", frozenset((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("array", tuple(_canonical(v) for v in value))
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", value)  # 1 == 1.0 and they hash alike
    return ("other", value)


def _unique_items(validator, unique: bool, instance: Any, _schema: Mapping) -> Iterator:
    """Draft 4 ``uniqueItems`` in linear time: items bucketed by the hash of their canonical
    form, compared in full only within a bucket; only hashes are kept, not the forms."""
    if not unique or not validator.is_type(instance, "array"):
        return
    buckets: dict[int, list[int]] = {}
    for i, item in enumerate(instance):
        form = _canonical(item)
        bucket = buckets.setdefault(hash(form), [])
        for j in bucket:
            if _canonical(instance[j]) == form:
                yield ValidationError(f"has non-unique elements (items {j} and {i} are equal)")
                return
        bucket.append(i)


# Subschemas whose valid instances are remembered: a release repeats the same organisations in
# ``parties`` and in every reference to them, about half of all the validation work.
MEMO_REFS = frozenset({"#/definitions/Organization", "#/definitions/OrganizationReference"})
MEMO_LIMIT = 100_000
_draft4_ref = Draft4Validator.VALIDATORS["$ref"]
_valid_seen: dict[tuple[int, int, str], tuple] = {}


def _memo_ref(validator, ref: str, instance: Any, schema: Mapping) -> Iterator:
    """``$ref`` that skips an organisation already found valid at the same place of the same
    schema. Sound because validation is a pure function of (subschema, format checker,
    instance): the key is the identity of the (cached, never freed) schema object holding the
    ``$ref``, of the format checker, and the instance's exact JSON text; only valid outcomes are
    remembered."""
    if ref not in MEMO_REFS or not isinstance(instance, dict):
        yield from _draft4_ref(validator, ref, instance, schema)
        return
    checker = validator.format_checker
    key = (id(schema), id(checker), json.dumps(instance, sort_keys=True, ensure_ascii=False))
    if key in _valid_seen:
        return
    errors = list(_draft4_ref(validator, ref, instance, schema))
    if errors:
        yield from errors
        return
    if len(_valid_seen) >= MEMO_LIMIT:
        _valid_seen.clear()
    _valid_seen[key] = (schema, checker)  # kept alive, so their ids are never reused


OCDSValidator = validators.extend(
    Draft4Validator, validators={"uniqueItems": _unique_items, "$ref": _memo_ref}
)


@cache
def validator_for(name: str) -> Draft4Validator:
    """The cached validator of one schema file."""
    return OCDSValidator(
        _working_copy(name), registry=registry(), format_checker=Draft4Validator.FORMAT_CHECKER
    )


def _message(error: ValidationError) -> str:
    if error.validator in ("oneOf", "anyOf") and error.context:
        error = best_match(error.context)
    text = error.message
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return f"{error.json_path}: {text}"


def _errors(name: str, instance: Any) -> list[str]:
    errors = validator_for(name).iter_errors(instance)
    return sorted(_message(e) for e in errors)


def validate_release_package(package: Any) -> list[str]:
    return _errors("release-package-schema.json", package)


def validate_record_package(package: Any) -> list[str]:
    return _errors("record-package-schema.json", package)


def validate_release(release: Any) -> list[str]:
    return _errors("release-schema.json", release)
