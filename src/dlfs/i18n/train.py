"""Messages of the train area (the trainer's console lines, ``dlfs board``): key → (English,
Chinese). See :mod:`dlfs.i18n`."""

MESSAGES: dict[str, tuple[str, str]] = {
}
