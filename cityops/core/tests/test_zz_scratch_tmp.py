import json
from django.test import Client

def test_probe(personas, settings):
    c = Client()
    for u in ["/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "/static/vendor/htmx/htmx.min.js"]:
        r = c.get(u)
        print(u, r.status_code, r.get("Cache-Control"))
    print(settings.DEBUG)
    for lang in ["zh-hans", "en"]:
        r = c.post("/accounts/login/", {"username": "bob", "password": "nope"}, HTTP_ACCEPT_LANGUAGE=lang)
        print(r.status_code)
        import re
        print(re.findall(r'data-testid="login-error">(.*?)</div>', r.content.decode(), re.S))
    for i in range(5):
        r = c.post("/accounts/login/", {"username": "bob", "password": "nope"})
        print(i, r.status_code)
    r = c.post("/accounts/login/", {"username": "bob", "password": "Correct-Horse-42"})
    print("right", r.status_code, r.content.decode()[-800:])
    c = Client()
    c.force_login(personas.dept)
    r = c.get("/accounts/logout/")
    print("GET logout", r.status_code)
    for u in [personas.admin, personas.auditor, personas.dept]:
        c = Client(); c.force_login(u)
        r = c.get("/admin/")
        print(u.username, r.status_code, r.get("Location"))
