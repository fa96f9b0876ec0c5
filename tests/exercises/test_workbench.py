"""The workbench as a learner uses it: start, check (in the sandbox), hint, solution, reset,
progress and history; every way a learner's file can go wrong gets one clear verdict."""

from __future__ import annotations

import dataclasses
import json

import pytest

from dlfs.cli import main
from dlfs.curriculum import ProgressStore
from dlfs.exercises import Report, check, check_file, get_exercise
from dlfs.exercises.workspace import _with_raise, render_stub

LINEAR_OK = '''
class Linear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias
'''


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _solution(tmp_path, exercise_id, body):
    """The stub's header and imports with ``body`` as the learner's code."""
    stub = render_stub(get_exercise(exercise_id))
    head = stub[:stub.index("\n\n\n") + 3]
    path = tmp_path / "work" / f"{exercise_id}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + body, encoding="utf-8")
    return path


def test_start_check_fix_check_then_progress(capsys, tmp_path):
    """The end-to-end path through the command line, in a temporary workspace."""
    code, out, _ = run(capsys, "exercise", "start", "linear")
    path = tmp_path / "work" / "linear.py"
    assert code == 0 and path.is_file() and "dlfs exercise check linear" in out
    code, out, _ = run(capsys, "exercise", "check", "linear")
    assert code == 1 and "NOT IMPLEMENTED" in out and "not implemented" in out
    _solution(tmp_path, "linear", LINEAR_OK.replace("y = x @ self.weight.T",
                                                    "y = x @ self.weight.T * 1.01"))
    code, out, _ = run(capsys, "exercise", "check", "linear")
    assert code == 1 and "FAIL" in out and "output[0]" in out
    assert "Greatest absolute difference" in out        # what differs, where, by how much
    _solution(tmp_path, "linear", LINEAR_OK)
    code, out, _ = run(capsys, "exercise", "check", "linear")
    assert code == 0 and "solved" in out and "FAIL" not in out
    code, out, _ = run(capsys, "progress", "--track", "book")
    chapter2 = next(line for line in out.splitlines() if "Chapter 2 " in line)
    assert "exercises 1/" in chapter2, chapter2
    code, out, _ = run(capsys, "progress", "--history")
    verdicts = [line.split()[2] for line in out.strip().splitlines() if " linear " in line]
    assert verdicts == ["not", "failing", "solved"], out
    code, out, _ = run(capsys, "exercise", "list", "--json")
    row = next(r for r in json.loads(out) if r["id"] == "linear")
    assert row["status"] == "solved" and row["at"] == ["book:2"]


def test_start_never_overwrites_and_reset_keeps_a_backup(capsys, tmp_path):
    assert run(capsys, "exercise", "start", "broadcast_shape")[0] == 0
    path = tmp_path / "work" / "broadcast_shape.py"
    path.write_text("# my work\n")
    code, _, err = run(capsys, "exercise", "start", "broadcast_shape")
    assert code == 2 and "exists already" in err and path.read_text() == "# my work\n"
    code, out, _ = run(capsys, "exercise", "reset", "broadcast_shape")
    assert code == 0 and "broadcast_shape.py.bak" in out
    assert (tmp_path / "work" / "broadcast_shape.py.bak").read_text() == "# my work\n"
    assert "raise NotImplementedError" in path.read_text()


def test_workspace_flag_and_bad_workspace(capsys, tmp_path):
    code, _, _ = run(capsys, "exercise", "start", "linear", "--workspace", str(tmp_path / "w2"))
    assert code == 0 and (tmp_path / "w2" / "linear.py").is_file()
    (tmp_path / "afile").write_text("x")
    code, _, err = run(capsys, "exercise", "start", "linear", "--workspace",
                       str(tmp_path / "afile"))
    assert code == 2 and "--workspace" in err and "is a file" in err
    code, _, err = run(capsys, "exercise", "check", "broadcast_shape")
    assert code == 2 and "dlfs exercise start broadcast_shape" in err


@pytest.mark.parametrize("body, verdict, expected", [
    ("def broadcast_shape(*shapes)\n    return ()\n", "error", "SyntaxError"),
    ("def broadcast_shapes(*shapes):\n    return ()\n", "missing", "defines no 'broadcast_shape'"),
    ("def broadcast_shape(*shapes):\n    print('debugging', shapes)\n    return shapes[0][5]\n",
     "error", 'File "broadcast_shape.py", line'),
    ("def broadcast_shape(*shapes):\n    return torch.broadcast_shapes(*shapes)\n",
     "refused", "torch.functional.broadcast_shapes"),
    ("from dlfs.tensors.broadcast import broadcast_shape\n", "refused",
     "dlfs.tensors.broadcast.broadcast_shape"),
    ("import dlfs.tensors.broadcast as b\n\ndef broadcast_shape(*s):\n"
     "    return b.broadcast_shape(*s)\n", "refused", "dlfs.tensors.broadcast.broadcast_shape"),
    ("from dlfs.exercises.bank.tensors import _broadcast_max\n\n"
     "def broadcast_shape(*s):\n    return _broadcast_max(*s)\n", "refused",
     "import _broadcast_max — the workbench"),
])
def test_each_kind_of_broken_file_gets_one_verdict(tmp_path, capsys, body, verdict, expected):
    """The worker's verdicts, in this process (the sandbox adds isolation, not verdicts; one
    sandboxed run below shows the same report comes back through it)."""
    from dlfs.exercises import worker

    path = _solution(tmp_path, "broadcast_shape", body)
    assert worker.main(["broadcast_shape", str(path), path.name]) == 0
    report = Report.from_dict(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))
    assert report.verdict == verdict, report
    detail = "\n".join(c.detail for c in report.cases)
    assert expected in detail, detail
    assert "site-packages" not in detail and "dlfs/exercises" not in detail  # our internals


def test_the_sandbox_brings_the_learners_traceback_back(tmp_path):
    body = "def broadcast_shape(*shapes):\n    print('debugging')\n    return shapes[0][5]\n"
    report = check_file(get_exercise("broadcast_shape"), _solution(tmp_path, "broadcast_shape",
                                                                   body))
    assert report.verdict == "error", report
    detail = report.cases[0].detail
    assert 'File "broadcast_shape.py", line' in detail and "return shapes[0][5]" in detail
    assert "site-packages" not in detail and "dlfs/" not in detail


def test_an_endless_loop_is_a_timeout(tmp_path):
    exercise = dataclasses.replace(get_exercise("broadcast_shape"), time_s=4.0)
    path = _solution(tmp_path, "broadcast_shape", "def broadcast_shape(*s):\n    while True:\n"
                                                  "        pass\n")
    report = check_file(exercise, path)
    assert report.verdict == "timeout" and "4 s" in report.cases[0].detail


def test_hints_one_at_a_time_then_all(capsys):
    hints = get_exercise("broadcast_shape").hints
    for i in range(len(hints)):
        code, out, _ = run(capsys, "exercise", "hint", "broadcast_shape")
        assert code == 0 and f"hint {i + 1}/{len(hints)}" in out
        assert hints[i][0] in out and hints[i][1] in out  # no language chosen: both
    assert ProgressStore().exercise("broadcast_shape")["hints"] == len(hints)
    code, out, _ = run(capsys, "exercise", "hint", "broadcast_shape")
    assert f"all {len(hints)} hints seen" in out and out.count("\nhint ") == len(hints)


def test_solution_needs_reveal_and_counts_apart(capsys):
    code, _, err = run(capsys, "exercise", "solution", "broadcast_shape")
    assert code == 2 and "--reveal" in err
    assert ProgressStore().exercise("broadcast_shape")["revealed"] is False
    code, out, _ = run(capsys, "exercise", "solution", "broadcast_shape", "--reveal")
    assert code == 0 and "def broadcast_shape" in out
    check("broadcast_shape", _copied_broadcast_shape)
    capsys.readouterr()
    code, out, _ = run(capsys, "exercise", "list", "--json")
    row = next(r for r in json.loads(out) if r["id"] == "broadcast_shape")
    assert row["status"] == "solved after reveal"


def _copied_broadcast_shape(*shapes):
    """A correct solution written in this file (the notebook way)."""
    n = max((len(s) for s in shapes), default=0)
    out = []
    for sizes in zip(*[(1,) * (n - len(s)) + tuple(s) for s in shapes]):
        big = {x for x in sizes if x != 1}
        if len(big) > 1:
            raise ValueError(f"cannot broadcast {shapes}")
        out.append(big.pop() if big else 1)
    return tuple(out)


def test_notebook_check_prints_and_records(capsys):
    report = check("broadcast_shape", _copied_broadcast_shape)
    out = capsys.readouterr().out
    assert report.passed and "solved" in out and "PASS" in out
    assert ProgressStore().history()[-1]["source"] == "notebook"


def test_list_filters_gym_and_unknown_ids(capsys):
    code, out, _ = run(capsys, "exercise", "list", "--track", "gym", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 56 and all(r["status"] == "new" for r in rows)
    code, out, _ = run(capsys, "exercise", "list", "--day", "3")
    assert code == 0 and "broadcast_shape" in out and "linear" not in out
    code, _, err = run(capsys, "exercise", "start", "broadcast_shapes")
    assert code == 2 and "did you mean broadcast_shape" in err
    code, _, err = run(capsys, "exercise", "list", "--track", "nope")
    assert code == 2 and "nope" in err


def test_the_stub_body_is_added_where_missing():
    src = _with_raise('''
        class A:
            def __init__(self):
                """doc"""
                super().__init__()

            def f(self):
                ...

            def g(self):
                return 1
        ''')
    assert src.count("raise NotImplementedError") == 2 and "..." not in src
    assert "return 1" in src
    compile(src, "stub", "exec")


def test_a_lesson_run_names_its_exercises(capsys):
    code, out, _ = run(capsys, "run", "broadcasting", "--quick")
    assert code == 0 and "Your turn" in out and "dlfs exercise start broadcast_shape" in out


def test_allowed_pieces_may_run_their_library_internals():
    """A learner's block built from allowed library layers is not refused for what those
    layers call inside the library (through Function.apply, a no_grad decorator, autograd's
    backward); calling an internal piece directly is."""
    import torch

    from dlfs.builtin_guard import also_refuse
    from dlfs.exercises.cases import watched
    from dlfs.exercises.grading import reference_rule
    from dlfs.nn import BatchNorm2d, Conv2d
    from dlfs.nn.functional import conv2d

    exercise = dataclasses.replace(get_exercise("linear"),
                                   allowed=("dlfs.nn.conv:Conv2d",
                                            "dlfs.nn.normalization:BatchNorm2d"))
    conv, norm = Conv2d(2, 3, 3).double(), BatchNorm2d(3).double()
    x = torch.randn(2, 2, 5, 5, dtype=torch.float64, requires_grad=True)

    def block(x):
        y = norm(conv(x))
        y.sum().backward()
        return y

    def direct(x):
        return conv2d(x, conv.weight)

    with also_refuse(reference_rule(exercise)):
        watched(block, builtins=False)(x)
        with pytest.raises(AssertionError, match="dlfs.nn.functional.conv.conv2d"):
            watched(direct, builtins=False)(x)


def test_borrowing_a_planted_bug_from_the_bank_is_refused():
    """The bank's mutants (and the bases they share) are importable; a learner's file that
    uses one — a near-miss, or a base with its bug switched off — is refused, not graded."""
    from dlfs.exercises import grade
    from dlfs.exercises.bank import all_exercises

    total = refused = planted = 0
    for exercise in all_exercises():
        for name, mutant in exercise.mutants.items():
            report = grade(exercise, mutant)
            assert report.verdict != "solved", (exercise.id, name)
            total += 1
            refused += report.verdict == "refused"   # else a structure check failed first
            planted += "planted bug" in report.cases[-1].detail   # else it wraps the library
    assert refused >= 0.9 * total and planted >= 0.75 * total, (refused, planted, total)
