"""Production mode (CITYOPS_PRODUCTION=1) for real: settings refuse to start without a secret
key; collectstatic, migrate and gunicorn serve the platform with whitenoise, secure cookies,
HSTS, the HTTPS redirect and a refusal of unknown Host headers."""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
CITYOPS = str(BIN / "cityops")
GUNICORN = str(BIN / "gunicorn")


def base_env(var_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG",
                        "CITYOPS_PRODUCTION", "SECURE_SSL_REDIRECT", "HUEY_IMMEDIATE",
                        "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DJANGO_SETTINGS_MODULE="cityops.settings", CITYOPS_VAR_DIR=str(var_dir),
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


SETUP = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


# -- settings -------------------------------------------------------------------------------


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = subprocess.run([sys.executable, "-c", SETUP],
                            env=base_env(tmp_path, CITYOPS_PRODUCTION="1"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr
    assert not (tmp_path / "secret_key").exists()  # no key was made up


def test_development_keeps_a_private_generated_key(tmp_path):
    runs = [subprocess.run([sys.executable, "-c", SETUP], env=base_env(tmp_path),
                           capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    first, second = (r.stdout.strip() for r in runs)
    assert first == second and len(first) >= 40  # stable across restarts
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_a_malformed_boolean_names_the_variable(tmp_path):
    result = subprocess.run([sys.executable, "-c", SETUP],
                            env=base_env(tmp_path, CITYOPS_PRODUCTION="perhaps"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "CITYOPS_PRODUCTION" in result.stderr and "perhaps" in result.stderr


@pytest.mark.slow
def test_deployment_checklist(tmp_path):
    env = base_env(tmp_path, CITYOPS_PRODUCTION="1", SECRET_KEY=secrets.token_urlsafe(50),
                   ALLOWED_HOSTS="cityops.example.cn")
    result = subprocess.run([CITYOPS, "check", "--deploy"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    found = set(re.findall(r"\(([a-z_]+\.[EW]\d+)\)", result.stdout + result.stderr))
    # HSTS for subdomains and the preload list are the city's own decision; nothing else.
    assert found <= {"security.W005", "security.W021"}, result.stdout + result.stderr


# -- a production server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PREPARE = """
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
import random
from cityops.core import codes, services
from cityops.core.roles import Role
org = services.organisation_create(
    by=None, kind="department", name="生产市数据资源管理局",
    uscc=codes.uscc_generate(random.Random(1), registration_authority="1"), region_code="330100")
services.user_create(by=None, username="prodadmin", password="Correct-Horse-42",
                     role=Role.PLATFORM_ADMIN, organisation=org, full_name="Prod Admin")
"""


class Server:
    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, *, host="127.0.0.1", https=True, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        sent = {"Host": host}
        if https:  # as the TLS-terminating proxy in front of gunicorn says
            sent["X-Forwarded-Proto"] = "https"
        sent.update(headers or {})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, response.headers, data

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("prod-var")
    env = base_env(var_dir, CITYOPS_PRODUCTION="1", SECRET_KEY=secrets.token_urlsafe(50),
                   ALLOWED_HOSTS="127.0.0.1")
    # Independent steps, run side by side to keep the test short.
    collect = subprocess.Popen([CITYOPS, "collectstatic", "--no-input", "-v0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    prepare = subprocess.run([CITYOPS, "shell", "-c", PREPARE], env=env, capture_output=True,
                             text=True, timeout=120)
    assert prepare.returncode == 0, prepare.stderr
    _, err = collect.communicate(timeout=120)
    assert collect.returncode == 0, err
    assert (var_dir / "staticfiles" / "staticfiles.json").is_file()

    port = free_port()
    log = (var_dir / "gunicorn.log").open("w+")
    proc = subprocess.Popen([GUNICORN, "cityops.wsgi", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "--timeout", "30"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=var_dir)
    srv = Server(port)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if srv.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"gunicorn did not come up:\n{log.read()}")
            time.sleep(0.2)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.slow
def test_health_check(server):
    status, headers, body = server.get("/healthz")
    assert status == 200
    assert b'"ok"' in body


@pytest.mark.slow
def test_static_files_are_served_by_whitenoise(server):
    status, headers, body = server.get("/static/vendor/htmx/htmx.min.js")
    assert status == 200
    assert b"htmx" in body[:2000]

    # Pages link the hashed names, which may be cached for a long time.
    status, headers, page = server.get("/accounts/login/")
    assert status == 200
    hashed = re.search(r'src="(/static/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js)"', page.decode())
    assert hashed, "the login page does not link a hashed htmx"
    status, headers, body = server.get(hashed.group(1), headers={"Accept-Encoding": "gzip"})
    assert status == 200
    cache_control = headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "immutable" in cache_control
    assert headers["Content-Encoding"] == "gzip"  # compressed copies made by collectstatic


@pytest.mark.slow
def test_api_docs_assets_are_served(server):
    status, headers, page = server.get("/api/docs/")
    assert status == 200
    urls = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page.decode())
    assert urls
    for url in urls:
        assert url.startswith("/static/"), url
        assert server.get(url)[0] == 200, url


@pytest.mark.slow
def test_cookies_are_secure_and_login_works(server):
    status, headers, page = server.get("/accounts/login/")
    assert status == 200
    cookies = headers.get_all("Set-Cookie")
    csrf_cookie = next(c for c in cookies if c.startswith("csrftoken="))
    assert "Secure" in csrf_cookie
    assert "Strict-Transport-Security" in headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"

    csrf = csrf_cookie.split(";", 1)[0].split("=", 1)[1]
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1)
    body = (f"username=prodadmin&password=Correct-Horse-42&csrfmiddlewaretoken={form_token}")
    status, headers, _ = server.request(
        "POST", "/accounts/login/", body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"csrftoken={csrf}", "Referer": "https://127.0.0.1/accounts/login/"})
    assert status == 302, headers
    session = next(c for c in headers.get_all("Set-Cookie") if c.startswith("sessionid="))
    assert "Secure" in session and "HttpOnly" in session

    session_id = session.split(";", 1)[0].split("=", 1)[1]
    status, _, page = server.get("/", headers={"Cookie": f"sessionid={session_id}"})
    assert status == 200
    assert "Prod Admin" in page.decode()


@pytest.mark.slow
def test_cross_site_post_is_refused(server):
    status, headers, page = server.get("/accounts/login/")
    csrf = next(c for c in headers.get_all("Set-Cookie")
                if c.startswith("csrftoken=")).split(";", 1)[0].split("=", 1)[1]
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1)
    status, _, _ = server.request(
        "POST", "/accounts/login/",
        body=f"username=prodadmin&password=Correct-Horse-42&csrfmiddlewaretoken={form_token}",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"csrftoken={csrf}", "Origin": "https://evil.example"})
    assert status == 403


@pytest.mark.slow
def test_bogus_host_header_is_refused(server):
    status, _, body = server.get("/healthz", host="evil.example")
    assert status == 400
    assert b"Traceback" not in body
    assert server.get("/accounts/login/", host="evil.example")[0] == 400


@pytest.mark.slow
def test_plain_http_is_redirected_to_https(server):
    status, headers, _ = server.get("/accounts/login/", https=False)
    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/accounts/login/"


@pytest.mark.slow
def test_errors_do_not_show_debug_pages(server):
    status, _, body = server.get("/no/such/page/")
    assert status == 404
    text = body.decode()
    assert "Traceback" not in text and "URLconf" not in text and "DEBUG" not in text
