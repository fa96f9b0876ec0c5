"""User-facing errors.

Anything raised as a :class:`DlfsError` is a problem with the user's input or environment
(an unknown lesson id, a missing file). The command line prints it as one readable line and
exits non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations


class DlfsError(Exception):
    """Base class for errors whose message is meant for the user."""


class UnknownLessonError(DlfsError, LookupError):
    """A lesson id or track entry that the registry does not know."""

    def __init__(self, ref: str, suggestions: list[str]):
        self.ref = ref
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown lesson {ref!r}{hint} (see `dlfs list`)")


class UnknownTrackError(DlfsError, LookupError):
    """A track id that does not exist."""

    def __init__(self, ref: str, known: list[str]):
        self.ref = ref
        super().__init__(f"unknown track {ref!r}; known tracks: {', '.join(known)}")
