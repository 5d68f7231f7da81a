"""The one error of the performance engines: bad input, named by its field, in en and zh."""

from __future__ import annotations


class PerformanceInputError(ValueError):
    """An input the engines cannot use; `field` names it, `en`/`zh` explain (as
    `cityops.portfolio.domain.fiscal.FiscalInputError`)."""

    def __init__(self, field: str, en: str, zh: str):
        super().__init__(f"{field}: {en} / 字段 {field}：{zh}")
        self.field = field
        self.en = en
        self.zh = zh

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "en": self.en, "zh": self.zh}
