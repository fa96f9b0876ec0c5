"""Messages of ``dlfs`` itself (list, run, check, progress, doctor, tour, the lesson
statuses and roadmap labels): key → (English, Chinese). See :mod:`dlfs.i18n`."""

MESSAGES: dict[str, tuple[str, str]] = {
    "list.footer": ("Run one with `dlfs run <id>`; check it with `dlfs check <id>`.",
                    "用 `dlfs run <id>` 运行一节课；用 `dlfs check <id>` 检查它。"),
}
