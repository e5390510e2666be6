"""Chinese resident ID numbers (居民身份证号码, GB 11643-1999): 6-digit area code, 8-digit birth
date, 3-digit sequence (odd for men, even for women) and a check character computed with ISO 7064
MOD 11-2 over the first 17 digits ('X' stands for 10).

:func:`parse` validates and returns the birth date and gender; :func:`mask` is what roles without
the right see (``5001**********1234``); :func:`fake` makes valid numbers for the demo and tests.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11


class InvalidIdNumber(ValueError):
    """Why a number is not a valid ID number (the ``reason`` is bilingual, for error reports)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdInfo:
    number: str  # normalized: 18 characters, upper-case X
    birth_date: dt.date
    gender: str  # "male" | "female"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def parse(value: str, *, today: dt.date | None = None) -> IdInfo:
    """The validated number, its birth date and gender; :class:`InvalidIdNumber` otherwise."""
    number = normalize(value)
    if len(number) != 18:
        raise InvalidIdNumber("长度应为18位 / Must be 18 characters long.")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber("只能包含数字和末位X / Digits only, with an optional final X.")
    if number[0] == "0":
        raise InvalidIdNumber("地区码无效 / Invalid area code.")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("出生日期无效 / Invalid birth date.") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise InvalidIdNumber("出生日期无效 / Invalid birth date.")
    if check_char(number[:17]) != number[17]:
        raise InvalidIdNumber("校验码错误 / Wrong check digit.")
    return IdInfo(number, birth, "male" if int(number[16]) % 2 else "female")


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidIdNumber:
        return False
    return True


def mask(value: str) -> str:
    """``5001**********1234``: the first four and last four characters, the rest hidden."""
    value = normalize(value)
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def fake(rng: random.Random | None = None, *, area: str = "500101", birth: dt.date | None = None,
         gender: str | None = None) -> str:
    """A valid-checksum ID number (for the demo city and tests; not a real person's)."""
    rng = rng or random.Random()
    if birth is None:
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 80 * 365))
    seq = rng.randrange(0, 1000)
    if gender is not None:
        seq = seq - seq % 2 + (1 if gender == "male" else 0)
        seq = min(seq, 999 if gender == "male" else 998)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
