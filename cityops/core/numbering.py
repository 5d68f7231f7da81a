"""Human-readable codes for documents: PREFIX-YEAR-NNNN (XQ-2026-0042)."""

from __future__ import annotations


def next_code(model, prefix: str, year: int, field: str = "code", width: int = 4) -> str:
    """The next free code of ``model`` for the year. Call inside the creating transaction;
    the field's unique constraint refuses a duplicate if two writers race (PostgreSQL)."""
    stem = f"{prefix}-{year}-"
    last = (model.objects.filter(**{f"{field}__startswith": stem})
            .order_by(f"-{field}").values_list(field, flat=True).first())
    number = int(last[len(stem):]) + 1 if last else 1
    return f"{stem}{number:0{width}d}"
