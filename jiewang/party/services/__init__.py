"""Party building's writes: organizations, co-building units and committee seats (orgs.py),
members (members.py), report-ins, service hours and yearly evaluations (reportins.py), and the
election reminders (elections.py). Each checks scope, writes and records an audit row."""
