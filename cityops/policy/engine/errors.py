"""Errors of the policy engine: every message names the field (and the YAML line) in Chinese and
English, as ``cityops/portfolio/domain/fiscal.py`` FiscalInputError does."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy text: where (line, field) and what, in both languages."""

    line: int | None  # 1-based line in the YAML text; None when the field is missing
    field: str  # a path such as "eligibility.all[2].value"
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        if lang == "zh":
            where = f"第 {self.line} 行，" if self.line else ""
            return f"{where}字段 {self.field}：{self.zh}"
        where = f"line {self.line}, " if self.line else ""
        return f"{where}field {self.field}: {self.en}"

    def __str__(self) -> str:
        return f"{self.text('zh')}／{self.text('en')}"


class PolicyError(ValueError):
    """A policy, formula or input that cannot be used; ``field`` names it, ``zh``/``en`` explain."""

    def __init__(self, field: str, en: str, zh: str, line: int | None = None):
        where = f"line {line}, " if line else ""
        super().__init__(f"{where}{field}: {en}")
        self.field = field
        self.en = en
        self.zh = zh
        self.line = line


class PolicyValidationError(PolicyError):
    """All the problems of one policy text (not only the first)."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], source: str = ""):
        self.problems = tuple(problems)
        self.source = source
        first = self.problems[0]
        super().__init__(first.field, first.en, first.zh, first.line)
        lines = "\n".join(str(p) for p in self.problems)
        self.args = (f"{source + ': ' if source else ''}{len(self.problems)} problem(s)\n{lines}",)
