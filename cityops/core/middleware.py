from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .audit import acting_for_request


class AuditActorMiddleware:
    """Attributes the changes a request makes to the user who made it (session or token)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_for_request(request):
            return self.get_response(request)


class CityOpsLocaleMiddleware(LocaleMiddleware):
    """Pages speak Chinese unless the user chose English with the switch (language cookie);
    a browser's Accept-Language does not override that. API clients choose with
    Accept-Language as usual."""

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
