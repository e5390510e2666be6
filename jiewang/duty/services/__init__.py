"""The duty's writes: the roster (roster.py), alarms and their response clock (alarms.py), the duty
log and the handover (log.py). Each checks scope, writes and records an audit row."""
