"""Bad input gets a clear answer naming the field, in Chinese by default and in English on
request, with HTTP 400 (never 500), and changes nothing: no row, no audit entry."""

import html
import random
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from cityops.core import codes, services
from cityops.core.models import AuditEntry, Organisation, User
from cityops.core.roles import Role

PASSWORD = "Correct-Horse-42"
ORGS = "/api/v1/organisations/"
LANGUAGES = ["zh-hans", "en"]

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row: an untranslated sentence or field name in a Chinese message.
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}[ ,;:'’-]+[A-Za-z]{2,}[ ,;:'’-]+[A-Za-z]{2,}")


def assert_language(message: str, language: str) -> None:
    assert message.strip(), "empty message"
    if language == "en":
        assert not CJK.search(message), f"Chinese in the English answer: {message!r}"
        assert re.search(r"[A-Za-z]{3,}", message), message
    else:
        assert CJK.search(message), f"no Chinese in the default answer: {message!r}"
        assert not ENGLISH_PHRASE.search(message), f"untranslated English: {message!r}"


def counts() -> tuple[int, int, int]:
    return Organisation.objects.count(), User.objects.count(), AuditEntry.objects.count()


def good_uscc(seed=11, region="330106") -> str:
    return codes.uscc_generate(random.Random(seed), region_code=region)


def wrong_check_digit(uscc: str) -> str:
    last = codes.USCC_ALPHABET[(codes.USCC_ALPHABET.index(uscc[17]) + 1) % 31]
    return uscc[:17] + last


GOOD_USCC = good_uscc()
BAD_CHECK_USCC = wrong_check_digit(GOOD_USCC)


def quoted(char: str) -> str:
    """The character as the message quotes it, in either language's quotation marks."""
    return rf"[\"'“‘]{re.escape(char)}[\"'”’]"


def payload(**overrides) -> dict:
    data = {"kind": "supplier", "name": "杭州坏数据科技有限公司", "short_name": "坏数据",
            "uscc": good_uscc(), "region_code": "330106"}
    data.update(overrides)
    return data


def html_client(language: str, user=None) -> Client:
    """A browser whose user picked ``language`` with the page's language switch (pages do not
    follow the browser's Accept-Language; the API does)."""
    client = Client()
    if language != "zh-hans":
        response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
        assert response.status_code == 302
    if user is not None:
        client.force_login(user)
    return client


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# Each case: the payload, the field the error must name, and words the message must carry
# in every language (numbers and codes the user typed), plus an English word it must carry.
API_CASES = {
    # The message says which check character the code should end with, and which it has.
    "uscc_check_digit": (lambda p: payload(uscc=BAD_CHECK_USCC), "uscc",
                         [quoted(GOOD_USCC[17]), quoted(BAD_CHECK_USCC[17])], "check"),
    "uscc_too_short": (lambda p: payload(uscc=good_uscc()[:10]), "uscc", ["18", "10"], "18"),
    "uscc_too_long": (lambda p: payload(uscc=good_uscc() + "1"), "uscc", ["18"], "18"),
    "uscc_bad_character": (lambda p: payload(uscc="9133010" + "I" + good_uscc()[8:]), "uscc",
                           [quoted("I")], "allowed"),
    "name_101_chars": (lambda p: payload(name="测" * 101), "name", ["100"], "100"),
    "unknown_field": (lambda p: payload(colour="red"), "colour", [], "field"),
    "read_only_field": (lambda p: payload(created_at="2020-01-01T00:00:00Z"), "created_at", [],
                        "field"),
    "unknown_region": (lambda p: payload(region_code="999999"), "region_code", ["999999"],
                       "division"),
    "region_not_digits": (lambda p: payload(region_code="hz"), "region_code", [], "code"),
    "unknown_industry": (lambda p: payload(industry_code="Z99"), "industry_code", ["Z99"],
                         "industry"),
    "bad_kind": (lambda p: payload(kind="alien"), "kind", ["alien"], "valid"),
    "missing_name": (lambda p: {k: v for k, v in payload().items() if k != "name"}, "name", [],
                     "required"),
    "not_a_boolean": (lambda p: payload(is_active="maybe"), "is_active", [], "boolean"),
    "duplicate_uscc": (lambda p: payload(uscc=p.supplier_org.uscc), "uscc", [], "already"),
    "duplicate_name": (lambda p: payload(name=p.supplier_org.name), "name", [], "already"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", sorted(API_CASES))
def test_api_create_with_bad_input(personas, case, language):
    build, field, shared, english_word = API_CASES[case]
    before = counts()
    response = api_as(personas.admin).post(ORGS, build(personas), format="json",
                                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) >= {"detail", "errors"}
    assert field in body["errors"], body
    assert_language(body["detail"], language)
    for message in body["errors"][field]:
        assert_language(message, language)
    message = " ".join(body["errors"][field])
    for word in shared:
        assert re.search(word, message), f"{word!r} not in {message!r}"
    if language == "en":
        assert english_word in message.lower() or english_word in message, message
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_api_error_names_every_bad_field_at_once(personas, language):
    before = counts()
    response = api_as(personas.admin).post(
        ORGS, payload(uscc="123", region_code="999999", name="x" * 101), format="json",
        HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"uscc", "region_code", "name"}
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("body", ['{"kind": "supplier", "name": ', "{bad json}", "\xff\xfe"],
                         ids=["truncated", "not_json", "not_utf8"])
def test_api_malformed_json(personas, body, language):
    before = counts()
    response = api_as(personas.admin).post(ORGS, data=body.encode("latin-1"),
                                           content_type="application/json",
                                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    data = response.json()
    assert set(data) >= {"detail", "errors"}
    assert "JSON" in data["detail"]
    if language == "en":
        assert "not valid JSON" in data["detail"]
    else:
        assert CJK.search(data["detail"]), data["detail"]
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_api_json_list_instead_of_object(personas, language):
    before = counts()
    response = api_as(personas.admin).post(ORGS, [payload()], format="json",
                                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors
    for messages in errors.values():
        for message in messages:
            assert_language(message, language)
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_api_patch_with_bad_uscc_changes_nothing(personas, language):
    before = counts()
    original = personas.health.uscc
    response = api_as(personas.admin).patch(
        f"{ORGS}{personas.health.pk}/", {"uscc": wrong_check_digit(original), "short_name": "改"},
        format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    for message in response.json()["errors"]["uscc"]:
        assert_language(message, language)
    personas.health.refresh_from_db()
    assert personas.health.uscc == original
    assert personas.health.short_name != "改"
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_api_patch_by_department_officer_is_refused(personas, language):
    before = counts()
    response = api_as(personas.dept).patch(f"{ORGS}{personas.health.pk}/",
                                           {"short_name": "改名"}, format="json",
                                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert_language(response.json()["detail"], language)
    personas.health.refresh_from_db()
    assert personas.health.short_name != "改名"
    assert counts() == before


# -- the HTML form --------------------------------------------------------------------------


def field_errors(response, field: str) -> list[str]:
    page = response.content.decode()
    return [html.unescape(m) for m in
            re.findall(rf'<p class="error" data-field="{field}">(.*?)</p>', page, re.S)]


FORM_CASES = {
    "uscc_check_digit": (lambda p: {"uscc": BAD_CHECK_USCC}, "uscc",
                         [quoted(GOOD_USCC[17])]),
    "uscc_too_short": (lambda p: {"uscc": good_uscc()[:10]}, "uscc", ["18", "10"]),
    "name_101_chars": (lambda p: {"name": "测" * 101}, "name", ["100"]),
    "unknown_region": (lambda p: {"region_code": "999999"}, "region_code", ["999999"]),
    "duplicate_uscc": (lambda p: {"uscc": p.supplier_org.uscc}, "uscc", []),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", sorted(FORM_CASES))
def test_html_form_with_bad_input(personas, case, language):
    build, field, shared = FORM_CASES[case]
    client = html_client(language, personas.admin)
    data = {**payload(), "is_active": "on", "industry_code": ""}
    data.update(build(personas))
    before = counts()
    response = client.post("/organisations/new/", data)
    assert response.status_code == 400
    assert 'data-testid="organisation-form"' in response.content.decode()
    errors = field_errors(response, field)
    assert errors, f"no error shown next to {field}"
    for message in errors:
        assert_language(message, language)
    for word in shared:
        assert re.search(word, " ".join(errors)), errors
    # What the user typed is still in the form, so they can correct it.
    assert html.escape(data[field][:20]) in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_html_form_accepts_a_lower_case_uscc_with_spaces(personas, language):
    client = html_client(language, personas.admin)
    code = good_uscc(seed=99)
    data = {**payload(uscc=f"  {code.lower()} "), "is_active": "on"}
    response = client.post("/organisations/new/", data)
    assert response.status_code == 302
    assert Organisation.objects.get(name=data["name"]).uscc == code


# -- login ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_password_at_login(personas, language):
    client = html_client(language)
    response = client.post("/accounts/login/", {"username": "bob", "password": "wrong-horse"})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    match = re.search(r'data-testid="login-error">(.*?)</div>', page, re.S)
    assert match, "no login error shown"
    message = html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))
    assert_language(message, language)
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still sent to the login page


@pytest.mark.parametrize("language", LANGUAGES)
def test_empty_login_form(personas, language):
    client = html_client(language)
    response = client.post("/accounts/login/", {})
    assert response.status_code in (200, 400)
    for field in ("username", "password"):
        errors = field_errors(response, field)
        assert errors
        for message in errors:
            assert_language(message, language)
    assert "_auth_user_id" not in client.session


# -- services -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_supplier_user_in_a_department_is_refused(personas, language):
    before = counts()
    with translation.override(language), pytest.raises(ValidationError) as info:
        services.user_create(by=personas.admin, username="mallory", password=PASSWORD,
                             role=Role.SUPPLIER, organisation=personas.health)
    with translation.override(language):
        messages = info.value.message_dict["organisation"]
        for message in messages:
            assert_language(message, language)
    assert counts() == before
    assert not User.objects.filter(username="mallory").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_user_with_an_organisation_is_refused(personas, language):
    before = counts()
    with translation.override(language), pytest.raises(ValidationError) as info:
        services.user_create(by=None, username="mallory", password=PASSWORD, role=Role.PUBLIC,
                             organisation=personas.enterprise_org)
    with translation.override(language):
        for message in info.value.message_dict["organisation"]:
            assert_language(message, language)
    assert counts() == before


def test_user_created_by_a_non_admin_is_refused(personas):
    from django.core.exceptions import PermissionDenied

    before = counts()
    with pytest.raises(PermissionDenied):
        services.user_create(by=personas.dept, username="mallory", password=PASSWORD,
                             role=Role.DEPARTMENT_OFFICER, organisation=personas.health)
    assert counts() == before
