"""The administrative code rule: a child's code extends its parent's code (区划代码隶属规则).

Codes nest. GB/T 2260 gives a province, a prefecture city and a district six digits each,
``PP CC DD``, a higher level padding its unused pairs with zeros: Chongqing is ``500000``,
Chengdu ``510100``, its district Jinjiang ``510104``. Below a district every level appends
three digits: town ``DDDDDD SSS``, village/community ``+ CCC``, grid ``+ GGG`` (the 15-digit
unit-grid code), micro-grid longer still.

So the part of a parent's code that its children share — its *significant digits* — is:

* for a six-digit city code, the code without its trailing ``00`` pairs (``500000`` → ``50``,
  ``510100`` → ``5101``): a district keeps six digits and fills the zero pairs;
* for any other parent (district and below), the whole code: the child appends digits.

A child's code *extends* its parent's code when it starts with those significant digits and is
not the parent's code itself (for a district under a city), or is longer (below a district).
``510101`` under ``500000`` does not: ``510101`` does not start with ``50``.

The rule is checked by the services (``area_create``, ``area_update``) and by the import, each
with an explicit override for the rare tree that really mixes codes (a development zone managed
by a city it is not coded under): ``allow_foreign_code=True`` / ``--allow-foreign-codes``.
"""

from __future__ import annotations

from .choices import AreaLevel


def significant_prefix(code: str, level: int) -> str:
    """The digits every child of an area with this ``code`` and ``level`` starts with."""
    code = (code or "").strip()
    if int(level) == AreaLevel.CITY and len(code) == 6 and code.isdigit():
        prefix = code
        while len(prefix) > 2 and prefix.endswith("00"):
            prefix = prefix[:-2]
        return prefix
    return code


def extends_parent_code(code: str, parent_code: str, parent_level: int) -> bool:
    """Whether ``code`` is a proper code for a child of the area (``parent_code``, ``parent_level``)."""
    code = (code or "").strip()
    prefix = significant_prefix(parent_code, parent_level)
    if not prefix or not code.startswith(prefix):
        return False
    return len(code) > len(prefix) and code != (parent_code or "").strip()


def foreign_code_detail(code: str, parent_code: str, parent_level: int) -> dict:
    """The fields an error or a report entry about a foreign code carries."""
    return {"code": code, "parent_code": parent_code,
            "expected_prefix": significant_prefix(parent_code, parent_level)}


def foreign_code_message(code: str, parent_code: str, parent_level: int) -> str:
    prefix = significant_prefix(parent_code, parent_level)
    return (f"编码 {code} 不属于上级 {parent_code}（应以 {prefix} 开头）/ Code {code} does not extend its "
            f"parent's code {parent_code}: it should start with {prefix}. If this is intended, allow "
            "foreign codes explicitly.")
