"""Messages of the library area: key → (English, Chinese). See :mod:`dlfs.i18n`."""

MESSAGES: dict[str, tuple[str, str]] = {
}
