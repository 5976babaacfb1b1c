"""Detectors for personal information in cell values.

Every detector has a name, a severity ("block": the resource must not be published as it is;
"warn": shown to the department, publication goes on) and a ``find(text)`` returning the
matched substrings, so a number inside a sentence counts as much as a cell holding only it.

What is recognised, and why it is drawn where it is:

- resident_id: 18 characters, 17 digits and a digit or X, with the ISO 7064 MOD 11-2 check
  character, a province code as the first two digits (11–15, 21–23, 31–37, 41–46, 50–54, 61–65,
  71, 81, 82, 91; the remaining four region digits are not checked, the list changes every
  year) and a birth date from 1900 up to today; or 15 digits (the legacy form, no check digit)
  with a province code and a YYMMDD date read as 19YY.
- mobile: 1[3-9] and nine more digits, bare or after +86 / 0086, written straight or 3-4-4
  with spaces or hyphens; a longer digit run does not contain a phone. Landlines
  (0591-87654321) are not flagged: the ones in public tables are offices'.
- bank_card: 16–19 digits (straight, or in groups of four) passing the Luhn check and starting
  like a card (UnionPay and other 6, Visa 4, Mastercard 51–55 / 2221–2720 with 16 digits, JCB 35,
  domestic 95); a value that is a valid resident ID is an ID, not a card, and an 18-digit
  value shaped like one (province, birth date) with a wrong check character is neither,
  unless it starts with a large bank's card prefix or the column header names a card.
- email: local@domain.tld.
- passport: E or G and 8 digits, or E, a letter and 7 digits (ordinary passports).
- travel_permit: H/M and 8 or 10 digits (Hong Kong / Macao residents' permit), C and 8
  characters (mainland residents' permit to Hong Kong and Macao), L and 8 digits (to Taiwan);
  a Taiwan residents' permit is 8 bare digits, which any counter or code could be, so it is
  only recognised as a whole cell in a column whose header names a permit (台胞, 通行证, ...).
- licence_plate (warn): a province abbreviation, a letter and 5 or 6 letters/digits.
- address (warn): a precise home address, down to the building, unit or room: a street
  number (路/街/巷/弄/道 + 号) followed by a building/unit/room, or building + room alone
  (3栋2单元501室); a street number alone is an office's or a facility's address, not a home's.

A unified social credit code (GB 32100, 18 characters) is public and never flagged as such.
All-digit codes can pass the ID or card check by chance; a value that passes both is taken as
personal (a missed ID costs more than a false block), unless the column header names a credit
code: header hints break ties, they are never needed to find IDs, phones or cards.
Full-width digits and letters (１３８…, Ｘ) count as their ASCII forms.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import Literal

Severity = Literal["block", "warn"]

PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 91".split()
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_SCC_VALUE = {c: i for i, c in enumerate(_SCC_CHARS)}
_SCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Six-digit card prefixes of the large mainland banks (ICBC, ABC, BOC, CCB, BoCom, CMB, PSBC,
# CITIC): the tie-breaker for an 18-digit number that is shaped like an ID.
KNOWN_CARD_PREFIXES = frozenset(
    "622202 622208 621226 621225 955880 427020 427028 622848 622845 622846 621661 621660 "
    "456351 601382 621700 436742 436745 622700 622280 622260 622262 622588 622575 621286 "
    "621799 622188 622690".split()
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
# One pass over a cell finds every digit-based candidate; each alternative is validated after.
_NUMERIC = re.compile(
    _NOT_ALNUM_BEFORE
    + r"(?:(?P<long>\d{17}[\dXx]|\d{15,19})"
    r"|(?P<phone>(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:\d{8}|[ -]\d{4}[ -]\d{4}))"
    r"|(?P<card>\d{4}(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{4}(?:(?P=sep)?\d{1,3})?)"
    r"|(?P<passport>[EG]\d{8}|E[A-HJ-NP-Z]\d{7})"
    r"|(?P<permit>[HM]\d{10}|[HM]\d{8}|C[0-9A-HJ-NP-Z]\d{7}|L\d{8}))" + _NOT_ALNUM_AFTER,
    re.ASCII,
)
# Cheap gate: every numeric candidate (passports and permits too) holds at least 7 digits in a
# row, or is a phone/card written in groups (138 1234 5678, 6222 0212 ...): most cells
# (amounts, dates, counts) fail it.
_NUMERIC_GATE = re.compile(r"\d(?:\d{6}|\d\d[ -]\d{4}[ -]\d{4})", re.ASCII)
# Where _NUMERIC can match: a run of the characters it is made of. Both patterns start with a
# character class, which lets the regex engine skip Chinese text at C speed instead of trying
# _NUMERIC's lookbehind and five alternatives at every position of a long sentence.
_SPAN = re.compile(r"[0-9+A-Z][0-9A-Za-z+ -]{7,}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·• -]?"
    r"[A-HJ-NP-Z0-9]{5,6}" + _NOT_ALNUM_AFTER
)
_PLATE_GATE = re.compile(r"[A-HJ-NP-Z][·• -]?[A-HJ-NP-Z0-9]{4}")
_NUM = r"(?:\d+|[一二三四五六七八九十]+)"
_ADDRESS = re.compile(
    rf"[路街巷弄道]\s*\d+(?:-\d+)?\s*号(?:院)?[^，。；,;]{{0,15}}?{_NUM}\s*(?:栋|幢|号楼|单元|室|层|楼)"
    rf"(?:\s*{_NUM}\s*(?:单元|室|层|楼|号))*"
    rf"|{_NUM}\s*(?:栋|幢|号楼)\s*(?:{_NUM}\s*单元\s*)?\d{{2,5}}\s*(?:室|号)?",
    re.ASCII,
)
_TAIWAN_PERMIT = re.compile(r"\d{8}", re.ASCII)
# Full-width forms (１３８…, Ｘ, ＠) are read as their ASCII twins, one character for one so
# the positions of the matches stay those of the text given.
_FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


@dataclass(frozen=True, slots=True)
class Match:
    detector: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Detector:
    name: str
    severity: Severity
    label: str
    # Header words that break ties in this detector's favour (never required to find it).
    header_hint: re.Pattern[str]
    find: Callable[[str], list[str]]


def is_valid_date(year: int, month: int, day: int, today: date | None = None) -> bool:
    if not (1900 <= year and 1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]):
        return False
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return False
    return date(year, month, day) <= (today or date.today())


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_resident_id(value: str, today: date | None = None) -> bool:
    """An 18-character resident ID (check character, province, birth date) or a 15-digit one."""
    if len(value) == 18:
        if not value[:17].isdigit() or value[:2] not in PROVINCES:
            return False
        if value[17].upper() != id_check_character(value[:17]):
            return False
        return is_valid_date(int(value[6:10]), int(value[10:12]), int(value[12:14]), today)
    if len(value) == 15 and value.isdigit() and value[:2] in PROVINCES:
        return is_valid_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]), today)
    return False


def social_credit_check_character(first17: str) -> str:
    total = sum(_SCC_VALUE[c] * w for c, w in zip(first17, _SCC_WEIGHTS, strict=True))
    return _SCC_CHARS[(31 - total % 31) % 31]


def is_social_credit_code(value: str) -> bool:
    """A unified social credit code with a valid GB 32100 check character."""
    value = value.upper()
    if len(value) != 18 or any(c not in _SCC_VALUE for c in value):
        return False
    return value[17] == social_credit_check_character(value[:17])


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_prefix_ok(digits: str) -> bool:
    first, n = digits[0], len(digits)
    if first in "46":
        return True
    if first == "5":
        return n == 16 and "1" <= digits[1] <= "5"
    if first == "2":
        return n == 16 and 2221 <= int(digits[:4]) <= 2720
    return digits[:2] in ("35", "95")


def is_bank_card(digits: str) -> bool:
    return 16 <= len(digits) <= 19 and _card_prefix_ok(digits) and luhn_ok(digits)


def _classify_long(token: str, hints: Collection[str]) -> str | None:
    """resident_id, bank_card or None for a run of 15–19 digits (or 17 and an X)."""
    public_code = "social_credit_code" in hints and is_social_credit_code(token)
    # "IDCard" also says card: only a header naming a card and not an ID makes it one.
    card_column = "bank_card" in hints and "resident_id" not in hints
    if is_resident_id(token) and not public_code:
        if not (card_column and token.isdigit() and is_bank_card(token)):
            return "resident_id"
    if not token.isdigit() or public_code or not is_bank_card(token):
        return None
    if len(token) == 18 and not card_column and _id_shaped(token):
        # Province and birth date but a wrong check character: a mistyped ID or a code
        # built like one far more often than one of the rare 18-digit cards, unless it
        # starts with a major bank's card prefix.
        return "bank_card" if token[:6] in KNOWN_CARD_PREFIXES else None
    return "bank_card"


def _id_shaped(token: str) -> bool:
    return token[:2] in PROVINCES and is_valid_date(
        int(token[6:10]), int(token[10:12]), int(token[12:14]))


def numeric_matches(text: str, hints: Collection[str] = ()) -> list[Match]:
    """IDs, phones, cards, passports and permits in a text, validated."""
    if not _NUMERIC_GATE.search(text):
        return []
    found = []
    for span in _SPAN.finditer(text):
        # The lookbehind still sees the text before the span; a span ends where no
        # alphanumeric follows, so ending the search there changes no lookahead.
        found += _numeric_in(text, span.start(), span.end(), hints)
    return found


def _numeric_in(text: str, start: int, end: int, hints: Collection[str]) -> list[Match]:
    found = []
    for m in _NUMERIC.finditer(text, start, end):
        kind, token = m.lastgroup, m.group()
        if kind == "long":
            kind = _classify_long(token, hints)
        elif kind == "phone":
            kind = "mobile"
        elif kind == "card" or kind == "sep":
            kind = "bank_card" if is_bank_card(re.sub(r"\D", "", token)) else None
        elif kind == "permit":
            kind = "travel_permit"
        if kind:
            found.append(Match(kind, token, m.start(), m.end()))
    return found


def email_matches(text: str) -> list[Match]:
    if "@" not in text:
        return []
    return [Match("email", m.group(), m.start(), m.end()) for m in _EMAIL.finditer(text)]


def plate_matches(text: str) -> list[Match]:
    if not _PLATE_GATE.search(text):
        return []
    return [Match("licence_plate", m.group(), m.start(), m.end()) for m in _PLATE.finditer(text)]


def address_matches(text: str) -> list[Match]:
    if not ("室" in text or "单元" in text or "栋" in text or "幢" in text or "号楼" in text):
        return []
    return [Match("address", m.group(), m.start(), m.end()) for m in _ADDRESS.finditer(text)]


def taiwan_permit_matches(text: str) -> list[Match]:
    """A whole cell of 8 digits: only asked for in a column whose header names a permit."""
    value = text.strip()
    if _TAIWAN_PERMIT.fullmatch(value):
        return [Match("travel_permit", value, 0, len(text))]
    return []


def find_matches(text: str, hints: Collection[str] = ()) -> list[Match]:
    """Every personal-information match in a text; hints are detector names (and
    "social_credit_code") suggested by its column header, used only to break ties."""
    if not text.isascii() and _FULL_WIDTH_DIGIT.search(text):
        text = text.translate(_HALF_WIDTH)
    found = numeric_matches(text, hints)
    if "@" in text:
        found += email_matches(text)
    found += plate_matches(text)
    found += address_matches(text)
    if "travel_permit" in hints and not found:
        found += taiwan_permit_matches(text)
    return found


def _only(name: str) -> Callable[[str], list[str]]:
    def find(text: str) -> list[str]:
        return [m.text for m in find_matches(text) if m.detector == name]

    find.__name__ = f"find_{name}"
    return find


def _hint(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


DETECTORS: tuple[Detector, ...] = (
    Detector("resident_id", "block", "居民身份证号码",
             _hint(r"身份证|证件号|公民身份|id.?card|id.?no|identity"), _only("resident_id")),
    Detector("mobile", "block", "手机号码",
             _hint(r"手机|电话|联系方式|mobile|phone|tel"), _only("mobile")),
    Detector("bank_card", "block", "银行卡号",
             _hint(r"银行卡|卡号|账号|bank|card|account"), _only("bank_card")),
    Detector("email", "block", "电子邮箱", _hint(r"邮箱|e-?mail|mail"), _only("email")),
    Detector("passport", "block", "护照号码", _hint(r"护照|passport"), _only("passport")),
    Detector("travel_permit", "block", "港澳台通行证号码",
             _hint(r"通行证|台胞|回乡证|港澳|台湾|permit|mtp"), _only("travel_permit")),
    Detector("licence_plate", "warn", "机动车号牌",
             _hint(r"车牌|号牌|plate"), _only("licence_plate")),
    Detector("address", "warn", "详细住址",
             _hint(r"住址|地址|家庭|address"), _only("address")),
)
BY_NAME = {d.name: d for d in DETECTORS}
_CREDIT_CODE_HINT = _hint(r"信用代码|社会信用|credit|uscc|机构代码|组织代码")


def header_hints(header: str) -> frozenset[str]:
    """The detectors (and "social_credit_code") a column header suggests."""
    hints = {d.name for d in DETECTORS if d.header_hint.search(header or "")}
    if _CREDIT_CODE_HINT.search(header or ""):
        # Only a tie-breaker: an all-digit value valid both as an ID and as a credit code.
        hints.add("social_credit_code")
    return frozenset(hints)


def mask(value: str, method: Literal["partial", "hash"] = "partial", *,
         key: bytes | None = None, head: int = 6, tail: int = 4) -> str:
    """Mask a personal value.

    partial: keep the first 6 and last 4 characters (420102********1234); a value too short
    for that keeps less, so at least 4 characters are hidden: a phone becomes 138****5678.
    An e-mail keeps its first character and its domain.
    hash: a keyed HMAC-SHA256 (first 16 hex digits), the same for the same value so a
    masked column still joins; a key is required because IDs and phones are few enough to
    hash every possible one and reverse a plain digest.
    """
    if method == "hash":
        if not key:
            raise ValueError("hash masking needs a secret key")
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]
    if "@" in value and _EMAIL.fullmatch(value):
        local, _, domain = value.partition("@")
        return local[:1] + "*" * max(len(local) - 1, 3) + "@" + domain
    # The widest of these keeps that still hides at least 4 characters.
    for keep_head, keep_tail in ((head, tail), (3, 4), (2, 2), (1, 1), (0, 0)):
        if len(value) - keep_head - keep_tail >= 4 or keep_head + keep_tail == 0:
            break
    hidden = max(len(value) - keep_head - keep_tail, 0)
    return value[:keep_head] + "*" * hidden + (value[-keep_tail:] if keep_tail else "")


def mask_text(text: str, method: Literal["partial", "hash"] = "partial", *,
              key: bytes | None = None, hints: Collection[str] = (),
              severities: Collection[str] = ("block",)) -> str:
    """The text with every match of the given severities masked in place."""
    matches = [m for m in find_matches(text, hints) if BY_NAME[m.detector].severity in severities]
    for m in sorted(matches, key=lambda m: m.start, reverse=True):
        text = text[: m.start] + mask(m.text, method, key=key) + text[m.end:]
    return text
