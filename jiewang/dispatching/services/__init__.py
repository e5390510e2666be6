"""Writes for dispatching: ``assignments`` (dispatch, sign, return, redispatch, extension) and
``whistles`` (blow, report in, rate, close)."""
