"""The language of the current request, for engines that answer in both (``message_zh`` /
``message_en``): the UI is Chinese unless English was asked for."""

from django.utils.translation import get_language


def english() -> bool:
    return (get_language() or "zh-hans").startswith("en")
