"""Django validators for the national code formats; the rules live in the pure modules."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import codes, industries, regions

_USCC_MESSAGES = {
    "length": _("A unified social credit code has exactly 18 characters; this one has %(n)s."),
    "charset": _(
        "A unified social credit code uses only digits and the capital letters "
        "A-H, J-N, P-R, T, U, W-Y; '%(char)s' is not allowed."
    ),
    "registration_authority": _(
        "The first character of a unified social credit code names the registering "
        "authority (1-9, A, N, Y); '%(char)s' is not one."
    ),
    "region": _("Characters 3 to 8 of a unified social credit code are a 6-digit region code."),
    "check_digit": _(
        "The check character of this unified social credit code does not match "
        "(GB 32100): expected '%(expected)s', got '%(char)s'."
    ),
}


def validate_uscc(value: str) -> None:
    problem = codes.uscc_problem(value)
    if problem is None:
        return
    params: dict[str, object] = {"n": len(value)}
    if problem == "charset":
        params["char"] = next(c for c in value if c not in codes.USCC_ALPHABET)
    elif problem == "registration_authority":
        params["char"] = value[0]
    elif problem == "check_digit":
        params["char"] = value[17]
        params["expected"] = codes.uscc_check_char(value[:17])
    raise ValidationError(_USCC_MESSAGES[problem], code=f"uscc_{problem}", params=params)


def validate_region_code(value: str) -> None:
    if not regions.is_region(value):
        raise ValidationError(
            _("'%(value)s' is not a GB/T 2260 administrative division code."),
            code="region_unknown",
            params={"value": value},
        )


def validate_industry_code(value: str) -> None:
    if value and not industries.is_industry(value):
        raise ValidationError(
            _("'%(value)s' is not a GB/T 4754-2017 industry code."),
            code="industry_unknown",
            params={"value": value},
        )
