def is_htmx(request) -> bool:
    """A request made by HTMX (it wants a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"
