"""The Open311 GeoReport v2 facade over events (``/open311/v2/``). See ``views.py`` for the rules."""
