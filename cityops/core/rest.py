"""Shared REST pieces, kept apart from api.py because DRF's settings import them while the
view classes are still being defined."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from .workflow import TransitionRefused


class StateConflict(exceptions.APIException):
    """An action the object's current state does not allow (a state machine refusal)."""

    status_code = 409
    default_code = "transition_refused"


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Every error is JSON: ``{"detail", "code", "errors": {field: [messages]}}``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, TransitionRefused):
        exc = StateConflict(str(exc))
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(
            _("The request body is not valid JSON: %(error)s") % {"error": exc.detail}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {
            "non_field_errors": response.data}
        response.data = {
            "detail": _("Some fields are not valid: %(fields)s") % {"fields": ", ".join(errors)},
            "code": "invalid",
            "errors": errors,
        }
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {
            "detail": str(detail),
            "code": getattr(detail, "code", None) or exc.default_code,
            "errors": {},
        }
    return response


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know instead of silently dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown or read-only field.")] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    pass
