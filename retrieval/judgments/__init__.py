"""Judged query sets for measuring product search (``shopdesk bench search``)."""
