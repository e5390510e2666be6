"""GB 11643 ID numbers: checksum, birth date, gender, mask; the credit-code checksum."""

import datetime as dt
import random

import pytest

from jiewang.basedata import idnumber
from jiewang.basedata.services.units import credit_code_valid


def test_published_example_is_valid():
    info = idnumber.parse("11010519491231002x")
    assert info.number == "11010519491231002X"
    assert (info.birth_date, info.gender) == (dt.date(1949, 12, 31), "female")


@pytest.mark.parametrize("value,reason", [
    ("11010519491231002", "长度"),
    ("1101051949123100X2", "数字"),
    ("110105194913310021", "出生日期"),
    ("110105219912310021", "出生日期"),
    ("110105194912310021", "校验码"),
    ("010105194912310028", "地区码"),
])
def test_invalid_numbers(value, reason):
    with pytest.raises(idnumber.InvalidIdNumber) as exc:
        idnumber.parse(value)
    assert reason in exc.value.reason


def test_fake_numbers_are_valid_with_the_asked_gender():
    rng = random.Random(3)
    for _ in range(500):
        g = rng.choice(["male", "female"])
        assert idnumber.parse(idnumber.fake(rng, gender=g)).gender == g


def test_mask():
    assert idnumber.mask("500101199001011234") == "5001**********1234"
    assert idnumber.mask("") == ""


def test_credit_code():
    assert credit_code_valid("91350100M000100Y43")
    assert not credit_code_valid("91350100M000100Y44")
