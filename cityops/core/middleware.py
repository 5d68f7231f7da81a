from .audit import acting_for_request


class AuditActorMiddleware:
    """Attributes the changes a request makes to the user who made it (session or token)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_for_request(request):
            return self.get_response(request)
