"""Writes for events. ``transition.event_transition`` is the only writer of ``Event.status``."""
