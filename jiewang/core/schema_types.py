"""Bounded integer types for API input schemas.

Python integers have no size; database columns do. An id, a count or an offset that does not fit
its column used to reach the database and fail there (SQLite: ``OverflowError`` while binding;
PostgreSQL: ``bigint out of range``), a 500. These types state the column's range in the schema
instead, so an out-of-range number is an ordinary 422 ``validation_failed`` naming the field, and
the OpenAPI document tells clients the bounds.

Use them in every input schema and route signature that takes an integer:

* ``DbId`` — a primary key or foreign key (``BigAutoField``: 1 … 2⁶³−1);
* ``Version`` — an optimistic-concurrency ``version`` (``PositiveIntegerField``);
* ``Count`` — a non-negative quantity stored in a ``PositiveIntegerField`` (population …);
* ``Offset`` / ``Limit`` — paging; :class:`Pagination` is django-ninja's limit/offset paginator
  with these bounds.

And for times, ``Moment``: a datetime between the years 1900 and 2200, a naive one read in the
server's time zone (``TIME_ZONE``, Asia/Shanghai) — a bare ``datetime`` let a naive value reach
comparisons with aware ones and the database (a 500), and year 1 or 9999 overflow on conversion.
``Day`` is a calendar date in the same years (a day of the server's time zone, e.g. "reported
between" filters).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator
from ninja.pagination import LimitOffsetPagination

MAX_BIGINT = 2**63 - 1  # PostgreSQL bigint, SQLite INTEGER
MAX_INT = 2**31 - 1  # PostgreSQL integer (Django's IntegerField and PositiveIntegerField)

DbId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
Version = Annotated[int, Field(ge=0, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
# An offset past any table here still fits the database's LIMIT/OFFSET arithmetic.
Offset = Annotated[int, Field(ge=0, le=MAX_INT)]
MAX_LIMIT = 500
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


def _moment(value: dt.datetime) -> dt.datetime:
    if not 1900 <= value.year <= 2200:
        raise ValueError("must be between the years 1900 and 2200")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


Moment = Annotated[dt.datetime, AfterValidator(_moment)]


def _day(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2200:
        raise ValueError("must be between the years 1900 and 2200")
    return value


Day = Annotated[dt.date, AfterValidator(_day)]


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` with bounds (django-ninja's own accepts any offset)."""

    class Input(Schema):
        limit: Limit = 100
        offset: Offset = 0

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
