"""Translations: the Chinese catalog is complete, fully translated, compiled, and used.

The UI speaks Chinese by default and English on request; the source strings are English.
When a test here fails after you added or changed a string, refresh the catalogs::

    cd cityops && ../.venv/bin/cityops makemessages -l zh_Hans -l en --no-obsolete \\
        --no-location --ignore 'demo/tests/*' --ignore 'core/tests/*' --ignore '*/tests/*'
    # translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po, then
    ../.venv/bin/cityops compilemessages
"""

import gettext
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from cityops.core import codes
from cityops.core.roles import Role
from cityops.core.validators import validate_uscc

CITYOPS_DIR = Path(__file__).resolve().parents[2]
LOCALE_DIR = CITYOPS_DIR / "locale"
ZH_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = ZH_PO.with_suffix(".mo")
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"

# The same options as the documented makemessages command (see the module docstring).
MAKEMESSAGES_OPTIONS = {
    "no_obsolete": True,
    "no_location": True,
    "ignore_patterns": ["*/tests/*"],
    "verbosity": 0,
}
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
REFRESH_HINT = "run makemessages and translate the new entries (see the docstring of this file)"

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sd]|%%")


# -- a small .po parser -------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one item, or one per plural form
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        ctx = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {ctx}{self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{where}: not a quoted string: {text!r}")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                raise ValueError(f"{where}: bad escape in {text!r}")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        elif char == '"':
            raise ValueError(f"{where}: unescaped quote in {text!r}")
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header (msgid "") included; raises on malformed input."""
    entries: list[Entry] = []
    pending_flags: set[str] = set()
    pending_ctx: str | None = None
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string a continuation line extends

    def finish():
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{number}"
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            finish()
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{where}: continuation line outside an entry")
            value = _unquote(line, where)
            name, index = target
            if name == "msgctxt":
                pending_ctx = (pending_ctx or "") + value
            elif name == "msgid":
                current.msgid += value
            elif name == "msgid_plural":
                current.msgid_plural += value
            else:
                current.msgstr[index] += value
            continue
        match = _KEYWORD.match(line)
        if not match:
            raise ValueError(f"{where}: cannot parse {raw!r}")
        keyword, plural_index, quoted = match.groups()
        value = _unquote(quoted, where)
        if keyword == "msgctxt":
            finish()
            pending_ctx, target = value, ("msgctxt", 0)
            current = Entry(msgid="", line=number)  # placeholder until msgid
            current.msgid = None  # type: ignore[assignment]
        elif keyword == "msgid":
            if current is not None and current.msgid is not None:
                finish()
            current = Entry(msgid=value, msgctxt=pending_ctx, flags=pending_flags,
                            obsolete=obsolete, line=number)
            pending_flags, pending_ctx, target = set(), None, ("msgid", 0)
        elif current is None or current.msgid is None:
            raise ValueError(f"{where}: {keyword} before msgid")
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", 0)
        else:
            index = int(plural_index) if plural_index is not None else 0
            if index != len(current.msgstr):
                raise ValueError(f"{where}: msgstr out of order")
            current.msgstr.append(value)
            target = ("msgstr", index)
    finish()
    for entry in entries:
        if entry.msgid is None or not entry.msgstr:
            raise ValueError(f"{path.name}:{entry.line}: entry without msgid or msgstr")
    return entries


def live_entries(path: Path) -> list[Entry]:
    """The translatable entries: no header, no obsolete (#~) ones."""
    return [e for e in parse_po(path) if e.msgid != "" and not e.obsolete]


def catalog_key(entry: Entry) -> str:
    return entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"


# -- the parser itself ----------------------------------------------------------------------


def test_parser_reads_multiline_context_plural_and_flags(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"Hello "\n"%(name)s \\"x\\""\nmsgstr "你好 %(name)s"\n\n'
        'msgctxt "menu"\nmsgid "Open"\nmsgstr "打开"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "若干"\n\n'
        '#~ msgid "gone"\n#~ msgstr "已删除"\n',
        encoding="utf-8",
    )
    header, hello, menu, plural, gone = parse_po(po)
    assert header.msgid == "" and "charset=UTF-8\n" in header.msgstr[0]
    assert hello.msgid == 'Hello %(name)s "x"' and hello.flags == {"fuzzy", "python-format"}
    assert menu.key == ("menu", "Open") and menu.msgstr == ["打开"] and not menu.flags
    assert plural.msgid_plural == "many" and plural.msgstr == ["若干"]
    assert gone.obsolete
    assert [e.msgid for e in live_entries(po)] == [hello.msgid, "Open", "one"]


# -- the committed catalogs -----------------------------------------------------------------


def test_locale_dir_is_the_one_django_uses():
    assert [Path(p).resolve() for p in settings.LOCALE_PATHS] == [LOCALE_DIR.resolve()]
    assert ZH_PO.is_file() and ZH_MO.is_file() and EN_PO.is_file()


def test_every_chinese_entry_is_translated_and_not_fuzzy():
    entries = parse_po(ZH_PO)
    live = [e for e in entries if e.msgid != "" and not e.obsolete]
    assert len(live) > 100, "the Chinese catalog looks truncated"
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries (review them and drop the flag): {fuzzy}"
    empty = [str(e) for e in live if not all(s.strip() for s in e.msgstr)]
    assert not empty, f"untranslated entries: {empty}"


def test_chinese_translations_are_chinese_and_keep_their_placeholders():
    wrong_placeholders, not_chinese = [], []
    for entry in live_entries(ZH_PO):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for msgstr in entry.msgstr:
            if sorted(PLACEHOLDER.findall(msgstr)) != wanted:
                wrong_placeholders.append(f"{entry} -> {msgstr!r}")
        # Product names and code formats may stay as they are; sentences may not.
        if " " in entry.msgid.strip() and len(entry.msgid) > 15 and not CJK.search(entry.msgstr[0]):
            not_chinese.append(f"{entry} -> {entry.msgstr[0]!r}")
    assert not wrong_placeholders, f"placeholders differ: {wrong_placeholders}"
    assert not not_chinese, f"translations without Chinese: {not_chinese}"


def test_english_catalog_has_the_same_ids_and_stays_untranslated():
    zh = {e.key for e in live_entries(ZH_PO)}
    en_entries = live_entries(EN_PO)
    assert {e.key for e in en_entries} == zh
    translated = [str(e) for e in en_entries if any(e.msgstr)]
    assert not translated, f"English is the source language; leave msgstr empty: {translated}"


# -- the catalog covers the source ------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted_ids(tmp_path_factory):
    """msgids that makemessages extracts today from a copy of the source tree."""
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        pytest.skip(f"GNU gettext tools not on PATH: {', '.join(missing_tools)}")
    root = tmp_path_factory.mktemp("i18n") / "cityops"
    shutil.copytree(CITYOPS_DIR, root, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (root / "locale").mkdir()
    previous = os.getcwd()
    os.chdir(root)
    try:
        # LOCALE_PATHS points at the copy, so the committed catalogs are never touched.
        with override_settings(LOCALE_PATHS=[str(root / "locale")]):
            call_command("makemessages", locale=["zh_Hans"], stdout=io.StringIO(),
                         **MAKEMESSAGES_OPTIONS)
    finally:
        os.chdir(previous)
    fresh = root / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert fresh.is_file(), "makemessages wrote no catalog"
    return {e.key for e in live_entries(fresh)}


def test_catalog_has_every_string_of_the_source(extracted_ids):
    committed = {e.key for e in live_entries(ZH_PO)}
    assert len(extracted_ids) > 100
    missing = sorted(extracted_ids - committed, key=str)
    assert not missing, f"strings missing from {ZH_PO.name} ({REFRESH_HINT}): {missing}"


def test_catalog_has_no_stale_strings(extracted_ids):
    committed = {e.key for e in live_entries(ZH_PO)}
    stale = sorted(committed - extracted_ids, key=str)
    assert not stale, f"strings no longer in the source ({REFRESH_HINT}): {stale}"


# -- the compiled catalog ---------------------------------------------------------------------


def _mo_catalog(path: Path) -> dict:
    with path.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header
    return catalog


def _po_catalog(path: Path) -> dict:
    catalog = {}
    for entry in live_entries(path):
        if "fuzzy" in entry.flags or not all(entry.msgstr):
            continue  # msgfmt leaves these out
        if entry.msgid_plural is None:
            catalog[catalog_key(entry)] = entry.msgstr[0]
        else:
            for index, msgstr in enumerate(entry.msgstr):
                catalog[(catalog_key(entry), index)] = msgstr
    return catalog


def test_compiled_catalog_matches_the_po_file():
    po, mo = _po_catalog(ZH_PO), _mo_catalog(ZH_MO)
    missing = sorted(set(po) - set(mo), key=str)
    assert not missing, f"not in {ZH_MO.name}; run compilemessages: {missing[:10]}"
    extra = sorted(set(mo) - set(po), key=str)
    assert not extra, f"in {ZH_MO.name} but not in the .po; run compilemessages: {extra[:10]}"
    differ = [key for key in po if po[key] != mo[key]]
    assert not differ, f"{ZH_MO.name} is out of date; run compilemessages: {differ[:10]}"


def test_compiled_catalog_is_what_msgfmt_makes(tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt not on PATH")
    fresh = tmp_path / "django.mo"
    # The flags compilemessages uses; --check-format also verifies python-format placeholders.
    result = subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(ZH_PO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert _mo_catalog(fresh) == _mo_catalog(ZH_MO), "run compilemessages"


def test_django_serves_every_translation():
    entries = [e for e in live_entries(ZH_PO) if e.msgid_plural is None]
    wrong = []
    with translation.override("zh-hans"):
        for entry in entries:
            if entry.msgctxt is None:
                got = translation.gettext(entry.msgid)
            else:
                got = translation.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr[0]:
                wrong.append(f"{entry}: got {got!r}, want {entry.msgstr[0]!r}")
    assert not wrong, wrong[:10]


# -- what users see ---------------------------------------------------------------------------


def test_role_labels_follow_the_language():
    with translation.override("zh-hans"):
        zh = str(Role.PLATFORM_ADMIN.label)
        assert CJK.search(zh), zh
        assert "数据资源局" in zh
        assert str(Role.SUPPLIER.label) == "服务商"
    with translation.override("en"):
        assert str(Role.PLATFORM_ADMIN.label) == "Platform admin (data bureau)"
        assert str(Role.SUPPLIER.label) == "Supplier"


def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录" in html
    assert "Log in" not in html
    assert 'lang="zh-CN"' in html


def test_login_page_is_english_when_chosen(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Log in" in html
    assert "登录" not in html
    assert 'lang="en"' in html


def test_language_switch_sets_english_then_back_to_chinese(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


VALID_USCC = "91350100M000100Y43"


def _wrong_check_digit() -> tuple[str, str]:
    expected = codes.uscc_check_char(VALID_USCC[:17])
    assert expected == VALID_USCC[17]
    wrong = "0" if expected != "0" else "1"
    return VALID_USCC[:17] + wrong, expected


def _uscc_message(value: str, language: str) -> str:
    with translation.override(language):
        with pytest.raises(ValidationError) as caught:
            validate_uscc(value)
        # Messages are lazy: render them while the language is active.
        messages = caught.value.messages
    assert caught.value.error_list[0].code == "uscc_check_digit"
    assert len(messages) == 1
    return messages[0]


def test_uscc_check_digit_message_is_chinese_under_zh_hans():
    value, expected = _wrong_check_digit()
    message = _uscc_message(value, "zh-hans")
    assert CJK.search(message), message
    assert "统一社会信用代码" in message and "校验" in message
    assert re.search(rf"[“'\"]{re.escape(expected)}[”'\"]", message), message
    assert value[17] in message
    assert "expected" not in message


def test_uscc_check_digit_message_is_english_under_en():
    value, expected = _wrong_check_digit()
    message = _uscc_message(value, "en")
    assert not CJK.search(message), message
    assert f"expected '{expected}'" in message
    assert f"got '{value[17]}'" in message


def test_valid_uscc_raises_nothing_in_either_language():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            validate_uscc(VALID_USCC)
