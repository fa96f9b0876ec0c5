"""Messages of x: key → (English, Chinese). See :mod:`dlfs.i18n`."""

MESSAGES: dict[str, tuple[str, str]] = {
}
