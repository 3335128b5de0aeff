"""The root of shopdesk's own errors, importable by every package.

An error deriving from :class:`ShopdeskError` means "the operator can fix this": its message
says what went wrong and what to do next, and the ``shopdesk`` command prints just that
message. Any other exception is a bug and keeps its traceback.

It lives in ``storage``, the bottom layer, so that ``storage``, ``models`` and ``retrieval``
can derive their errors from it without importing anything above them (it imports nothing).
"""

from __future__ import annotations


class ShopdeskError(Exception):
    """An error whose message tells the operator what went wrong and what to do next."""
