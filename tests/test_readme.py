"""The READMEs tell the truth: their `dlfs` commands run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from dlfs.cli import main

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", ROOT / "README.zh-CN.md"]


def _dlfs_commands(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("dlfs "):
                commands.append(command)
    return commands


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.name)
def test_readme_dlfs_commands_run(readme, capsys):
    commands = _dlfs_commands(readme)
    assert len(commands) >= 5, "the quick-start block lists the main commands"
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, command
    capsys.readouterr()


def test_readme_error_example_is_what_the_cli_says(capsys):
    assert main(["run", "tensor-basic"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlfs: error: unknown lesson 'tensor-basic'; did you mean tensor-basics")
    for readme in READMES:
        assert "dlfs: error: unknown lesson 'tensor-basic'; did you mean tensor-basics" in \
            readme.read_text(encoding="utf-8")


def test_readme_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test", "lint", "bench", "docs"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
