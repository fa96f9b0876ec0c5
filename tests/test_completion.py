"""`dlfs completion bash|zsh`: generated from the parser, completing commands, recipe options
and the ids of lessons, exercises and gym problems (bash is driven for real)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from dlfs.cli import main
from dlfs.completion import script


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory):
    path = tmp_path_factory.mktemp("completion") / "dlfs.bash"
    path.write_text(script("bash"), encoding="utf-8")
    return path


def complete(bash_script, *words: str) -> list[str]:
    """What bash offers after ``words`` (the last one is being typed)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    driver = (f'source "{bash_script}"\n'
              'COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n'
              'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()\n'
              '_shtab_dlfs; printf "%s\\n" "${COMPREPLY[@]}"\n')
    out = subprocess.run(["bash", "-c", driver, "bash", "dlfs", *words], capture_output=True,
                         text=True, check=True).stdout
    return out.split()


@pytest.mark.parametrize("words, expected", [
    (("",), {"list", "run", "train", "gym", "exercise", "completion"}),
    (("run", "tensor-b"), {"tensor-basics"}),
    (("check", "broadc"), {"broadcasting"}),
    (("exercise", "start", "linea"), {"linear"}),
    (("gym", "show", "merge-int"), {"merge-intervals"}),
    (("train", "gp"), {"gpt"}),
    (("train", "gpt", "--n-emb"), {"--n-embd"}),
    (("train", "ddpm", "--qu"), {"--quick"}),
    (("list", "--tr"), {"--track"}),
])
def test_bash_completes_commands_options_and_ids(bash_script, words, expected):
    assert expected <= set(complete(bash_script, *words))


def test_an_unknown_prefix_completes_to_nothing(bash_script):
    assert complete(bash_script, "run", "no-such-lesson-zz") == []


def test_zsh_script_names_the_same_things():
    text = script("zsh")
    assert text.startswith("#compdef dlfs")
    for word in ("tensor-basics", "merge-intervals", "--n-embd", "completion"):
        assert word in text


def test_the_command_prints_the_script(capsys):
    assert main(["completion", "bash"]) == 0
    assert "_shtab_dlfs" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["completion", "fish"])
    assert exc.value.code == 2
