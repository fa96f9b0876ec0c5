"""Errors and warnings of the data pipeline.

A reader that meets a malformed file raises :class:`DataFormatError` naming the file, where in
it (byte offset, line, column) and what it expected. A loader that cannot find the real files
warns once with :class:`DataFallbackWarning` and uses an embedded stand-in.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DlfsError
from ..i18n import t


class DataFormatError(DlfsError, ValueError):
    """A data file does not have the layout its reader expects.

    ``where`` is a human location such as ``"byte 4"`` or ``"line 7, column 3 ('Age')"``.
    """

    def __init__(self, path: str | Path, where: str, expected: str, found: str = ""):
        self.path = Path(path)
        self.where = where
        self.expected = expected
        self.found = found
        tail = t("library.data.found", found=found) if found else ""
        super().__init__(t("library.data.format", path=self.path, where=where,
                           expected=expected) + tail)


class DataLoaderWorkerError(DlfsError, RuntimeError):
    """A DataLoader worker process raised (or died) while loading a batch.

    ``worker_id`` and ``index`` (the dataset index being loaded, or None) name the culprit;
    ``worker_traceback`` is the traceback text from inside the worker.
    """

    def __init__(self, message: str, worker_id: int, index: int | None,
                 worker_traceback: str = ""):
        self.worker_id = worker_id
        self.index = index
        self.worker_traceback = worker_traceback
        super().__init__(message)


class DataFallbackWarning(UserWarning):
    """The real data files were not found, so an embedded stand-in data set is used."""
