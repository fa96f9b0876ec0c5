"""User-facing errors.

Anything raised as a :class:`DlfsError` is a problem with the user's input or environment
(an unknown lesson id, a missing file). The command line prints it as one readable line and
exits non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DlfsError(Exception):
    """Base class for errors whose message is meant for the user."""


def closest(ref: str, names: Iterable[str], n: int = 3, cutoff: float = 0.5) -> list[str]:
    """The names most like ``ref``: close spellings first, then names containing it.

    >>> closest("deque", ["gym-deque", "broadcasting"]), closest("envsetup", ["env-setup"])
    (['gym-deque'], ['env-setup'])
    """
    names = list(names)
    out = difflib.get_close_matches(ref, names, n=n, cutoff=cutoff)
    out += [x for x in names if ref and ref.lower() in x.lower() and x not in out]
    return out[:n]


class UnknownNameError(DlfsError, LookupError):
    """A name (lesson id, gym problem, model …) that a registry does not know.

    The message suggests the closest known names and the command that lists them all.
    """

    what = "name"
    listing = "dlfs list"

    def __init__(self, ref: str, suggestions: list[str], known: Iterable[str] = ()):
        from .i18n import t

        self.ref = ref
        self.suggestions = suggestions
        known = sorted(known)
        what = t(f"errors.what.{self.what.replace(' ', '_')}")
        if suggestions:
            hint = t("errors.did_you_mean", names=", ".join(suggestions))
        elif known:  # nothing alike: a short registry can list everything it knows
            hint = t("errors.known", what=what, names=", ".join(known))
        else:
            hint = ""
        super().__init__(t("errors.unknown", what=what, ref=repr(ref), hint=hint,
                           listing=self.listing))


class UnknownLessonError(UnknownNameError):
    """A lesson id or track entry that the registry does not know."""

    what, listing = "lesson", "dlfs list"


class UnknownTrackError(DlfsError, LookupError):
    """A track id that does not exist."""

    def __init__(self, ref: str, known: list[str]):
        from .i18n import t

        self.ref = ref
        what = t("errors.what.track")
        super().__init__(t("errors.unknown", what=what, ref=repr(ref),
                           hint=t("errors.known", what=what, names=", ".join(known)),
                           listing="dlfs list"))
