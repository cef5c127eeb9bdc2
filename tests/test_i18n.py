"""The English catalog: complete, compiled from the current .po, and actually used.

Chinese is the source language and the default; English is chosen with the footer's
language form (POST /i18n/setlang/) or by the browser's Accept-Language header.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from renkou.core.models import OrgUnit
from renkou.registry.models import Relation
from renkou.registry.services.households import household_add_member
from tests.changereport_factories import file_birth, make_family
from tests.conftest import Cast
from tests.factories import make_person

CATALOG = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Chinese characters and full-width punctuation: none should reach an English page
# except in data (names of people and units), which the page test strips first.
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


# --- a tiny .po reader ------------------------------------------------------------------


def _po_entries() -> list[dict[str, str | list[str]]]:
    """The entries of django.po: msgctxt, msgid, msgid_plural, msgstr/msgstr[n], flags."""
    entries: list[dict[str, str | list[str]]] = []
    text = (CATALOG / "django.po").read_text(encoding="utf-8")
    for block in text.strip().split("\n\n"):
        entry: dict[str, str | list[str]] = {"flags": []}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#~"):
                raise AssertionError(f"obsolete entry left in the catalog: {line}")
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] = str(entry[key]) + ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        entries.append(entry)
    return entries


def _po_catalog() -> dict[bytes, bytes]:
    """What msgfmt would store in the .mo, keyed the same way (context\\x04id\\x00plural)."""
    catalog: dict[bytes, bytes] = {}
    for entry in _po_entries():
        key = str(entry["msgid"])
        if "msgid_plural" in entry:
            key += "\x00" + str(entry["msgid_plural"])
        if "msgctxt" in entry:
            key = str(entry["msgctxt"]) + "\x04" + key
        forms = sorted(k for k in entry if k.startswith("msgstr["))
        value = "\x00".join(str(entry[k]) for k in forms) if forms else str(entry["msgstr"])
        catalog[key.encode()] = value.encode()
    return catalog


def _mo_catalog() -> dict[bytes, bytes]:
    """Read django.mo (GNU format, either byte order) into raw id -> raw translation."""
    data = (CATALOG / "django.mo").read_bytes()
    order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
    _magic, _version, count, ids_at, strs_at = struct.unpack(order + "5I", data[:20])
    catalog = {}
    for i in range(count):
        id_len, id_off = struct.unpack(order + "2I", data[ids_at + 8 * i : ids_at + 8 * i + 8])
        s_len, s_off = struct.unpack(order + "2I", data[strs_at + 8 * i : strs_at + 8 * i + 8])
        catalog[data[id_off : id_off + id_len]] = data[s_off : s_off + s_len]
    return catalog


def test_every_entry_is_translated_and_not_fuzzy() -> None:
    entries = _po_entries()
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in str(header["msgstr"])
    assert len(messages) > 400
    for entry in messages:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        forms = [str(entry[k]) for k in entry if k.startswith("msgstr")]
        assert all(f.strip() for f in forms), f"untranslated: {entry['msgid']}"
        assert len(forms) == (2 if "msgid_plural" in entry else 1), entry["msgid"]
        wanted = set(PLACEHOLDER.findall(str(entry["msgid"])))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == wanted, f"placeholders: {entry['msgid']}"
            assert not CJK.search(form.replace("–", "")), f"Chinese left in {form!r}"


def test_compiled_catalog_matches_the_po() -> None:
    """A .po edited without re-running compilemessages fails here (CI has no msgfmt)."""
    mo, po = _mo_catalog(), _po_catalog()
    assert set(mo) == set(po)
    # msgfmt rewrites the header (drops POT-Creation-Date), so only its plural rule counts.
    assert b"Plural-Forms: nplurals=2; plural=(n != 1);" in mo[b""]
    assert [k for k in po if k and mo[k] != po[k]] == []


def test_the_catalog_follows_the_source() -> None:
    """Strings the code and templates use today are in the catalog (spot checks)."""
    ids = {k.split(b"\x00")[0].split(b"\x04")[-1].decode() for k in _po_catalog()}
    assert {"人员查询", "村计生专干", "乡镇业务员", "月报告单", "出队", "回档", "户编号"} <= ids
    assert {"个案编号", "共 %(n)s 人", "%(label)s：%(old)s → %(new)s"} <= ids


# --- the language actually used on pages ---------------------------------------------------


def _switch_to_english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_default_is_chinese_without_a_cookie(cast: Cast) -> None:
    page = cast.client_for("clerk").get(reverse("registry:overview")).content.decode()
    assert "人员查询" in page
    assert "乡镇业务员" in page
    assert 'lang="zh-hans"' in page
    assert "Person search" not in page


@pytest.mark.django_db
def test_clerk_switches_to_english(cast: Cast) -> None:
    client = cast.client_for("clerk")
    make_person(org_unit=cast.village, name="张伟")
    _switch_to_english(client)
    overview = client.get(reverse("registry:overview")).content.decode()
    assert 'lang="en"' in overview
    assert "Person search" in overview
    assert "Township clerk" in overview
    assert "Change report" in overview
    assert "人员查询" not in overview
    search = client.get(reverse("registry:person_search"), {"q": "张"}).content.decode()
    assert "Person search" in search
    assert "1 person" in search
    assert "Household code" in search
    # ...and back to Chinese through the same form.
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "人员查询" in client.get(reverse("registry:overview")).content.decode()


@pytest.mark.django_db
def test_plural_count_on_the_results(cast: Cast) -> None:
    client = cast.client_for("clerk")
    make_person(org_unit=cast.village, name="张伟")
    make_person(org_unit=cast.village, name="张强", birth_date=dt.date(1990, 1, 1))
    _switch_to_english(client)
    search = client.get(reverse("registry:person_search"), {"q": "张"}).content.decode()
    assert "2 persons" in search


@pytest.mark.django_db
def test_unknown_language_is_ignored(cast: Cast) -> None:
    client = cast.client_for("clerk")
    response = client.post(reverse("set_language"), {"language": "xx'><script>", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "人员查询" in client.get(reverse("registry:overview")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected", "absent"),
    [("en", "Log in", "登录"), ("en-US,en;q=0.9", "Log in", "登录"), ("zh-CN", "登录", "Log in")],
)
def test_login_page_follows_accept_language(accept: str, expected: str, absent: str) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE=accept).get(reverse("core:login")).content.decode()
    assert expected in page
    assert absent not in page


@pytest.mark.django_db
def test_english_pages_show_no_chinese_but_data(cast: Cast) -> None:
    """Any hard-coded Chinese left in a template or view shows up here."""
    family = make_family(cast.village)
    child = make_person(org_unit=cast.village, name="王小明", birth_date=dt.date(2015, 5, 5))
    household_add_member(
        household=family.household,
        person=child,
        relation=Relation.DAUGHTER,
        actor=None,
        source="form",
    )
    report = file_birth(cast.users["officer"], family)
    data = [
        family.husband.name,
        family.wife.name,
        child.name,
        family.household.address,
        *(u.name for u in OrgUnit.objects.all()),
    ]
    pages = {
        "clerk": [
            reverse("registry:overview"),
            reverse("registry:unit", args=[cast.village.pk]),
            reverse("registry:person_search") + "?q=王",
            reverse("registry:person_detail", args=[family.wife.pk]),
            reverse("registry:person_detail", args=[child.pk]),
            reverse("registry:person_edit", args=[family.wife.pk]),
            reverse("registry:household_detail", args=[family.household.pk]),
            reverse("registry:report_list"),
            reverse("registry:report_detail", args=[report.pk]),
            reverse("registry:period_list"),
            reverse("registry:duplicate_list"),
            reverse("registry:transfer_list"),
            reverse("registry:transfer_new", args=[family.wife.pk]),
            reverse("core:password_change"),
            reverse("core:otp_setup"),
        ],
        "officer": [reverse("registry:report_new"), reverse("registry:report_list")],
    }
    for who, urls in pages.items():
        client = cast.client_for(who)
        _switch_to_english(client)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            text = text.replace("简体中文", "")  # the language's own name in the switcher
            for value in sorted(data, key=len, reverse=True):
                text = text.replace(value, "")
            leftover = sorted(set(CJK.findall(text)))
            assert leftover == [], f"{url}: {''.join(leftover)}"
