"""``python -m dlfs.playground`` prints the environment report."""

from .environment import format_env_report

print(format_env_report())
