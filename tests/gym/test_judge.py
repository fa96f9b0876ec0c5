"""The judge on correct, wrong, slow, crashing and memory-hungry solutions."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from dlfs.curriculum import ProgressStore
from dlfs.errors import DlfsError
from dlfs.gym.judge import RunOutcome, judge, judge_runner, read_history, record
from dlfs.gym.problems import PROBLEMS, get_problem

FAST = dict(n_tests=4, n_large=0, time_s=1.0, shrink_tries=6)

READ = "import sys\ntok = sys.stdin.buffer.read().split()\n"

SOLUTIONS = {
    "window-max": {
        "ok": READ + textwrap.dedent("""\
            n, k = int(tok[0]), int(tok[1]); a = list(map(int, tok[2:2 + n]))
            print(*[max(a[i:i + k]) for i in range(n - k + 1)])
            """),
        # wrong whenever the window is wider than 2: only looks at two ends
        "wrong": READ + textwrap.dedent("""\
            n, k = int(tok[0]), int(tok[1]); a = list(map(int, tok[2:2 + n]))
            print(*[max(a[i], a[i + k - 1]) for i in range(n - k + 1)])
            """),
    },
    "merge-intervals": {
        "ok": READ + textwrap.dedent("""\
            n = int(tok[0]); v = list(map(int, tok[1:]))
            out = []
            for lo, hi in sorted(zip(v[::2], v[1::2])):
                if out and lo <= out[-1][1]:
                    out[-1][1] = max(out[-1][1], hi)
                else:
                    out.append([lo, hi])
            print("\\n".join(f"{a} {b}" for a, b in out))
            """),
        # forgets to sort: wrong as soon as intervals come out of order
        "wrong": READ + textwrap.dedent("""\
            n = int(tok[0]); v = list(map(int, tok[1:]))
            out = []
            for lo, hi in zip(v[::2], v[1::2]):
                if out and lo <= out[-1][1] and lo >= out[-1][0]:
                    out[-1][1] = max(out[-1][1], hi)
                else:
                    out.append([lo, hi])
            print("\\n".join(f"{a} {b}" for a, b in out))
            """),
    },
    "house-robber": {
        "ok": READ + textwrap.dedent("""\
            take = skip = 0
            for v in map(int, tok[1:]):
                take, skip = skip + v, max(take, skip)
            print(max(take, skip))
            """),
        # greedy: every other house from the first one
        "wrong": READ + "print(sum(map(int, tok[1::2])))\n",
    },
}
SLOW = "import time\ntime.sleep(5)\n"
CRASH = READ + "print(tok[10 ** 6])\n"
HUNGRY = "x = bytearray(4_000_000_000)\nprint(len(x))\n"
PROBLEM_IDS = list(SOLUTIONS)


def _write(tmp_path, name, code):
    path = tmp_path / f"{name}.py"
    path.write_text(code, encoding="utf-8")
    return path


@pytest.mark.parametrize("pid", PROBLEM_IDS)
def test_correct_solution_is_accepted(tmp_path, pid):
    report = judge(get_problem(pid), _write(tmp_path, "ok", SOLUTIONS[pid]["ok"]), **FAST)
    assert report.verdict == "AC", report
    assert report.tests_passed == report.tests_total == len(get_problem(pid).examples) + 4


@pytest.mark.parametrize("pid", PROBLEM_IDS)
def test_wrong_solution_gets_wa_with_a_failing_input(tmp_path, pid):
    problem = get_problem(pid)
    report = judge(problem, _write(tmp_path, "wrong", SOLUTIONS[pid]["wrong"]), **FAST)
    assert report.verdict == "WA", report
    assert report.failing_input
    assert report.expected == problem.brute(report.failing_input)
    assert report.got.split() != report.expected.split()


@pytest.mark.parametrize("pid", PROBLEM_IDS)
def test_slow_solution_gets_tle(tmp_path, pid):
    report = judge(get_problem(pid), _write(tmp_path, "slow", SLOW), n_tests=1, time_s=0.5)
    assert report.verdict == "TLE", report
    assert "0.5 s" in report.detail


@pytest.mark.parametrize("pid", PROBLEM_IDS)
def test_crashing_solution_gets_re_with_traceback(tmp_path, pid):
    report = judge(get_problem(pid), _write(tmp_path, "crash", CRASH), **FAST)
    assert report.verdict == "RE", report
    assert "IndexError" in report.detail and "Traceback" in report.detail


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux-only here")
def test_memory_hog_gets_mle(tmp_path):
    report = judge(get_problem("house-robber"), _write(tmp_path, "hog", HUNGRY),
                   memory_mb=256, **FAST)
    assert report.verdict == "MLE", report


def test_wa_input_is_shrunk(tmp_path):
    """A solution wrong only on long inputs: the reported input is shorter than the first failure."""
    problem = get_problem("house-robber")
    code = READ + textwrap.dedent("""\
        n = int(tok[0]); a = list(map(int, tok[1:]))
        take = skip = 0
        for v in a:
            take, skip = skip + v, max(take, skip)
        print(max(take, skip) + (n > 6))
        """)
    path = _write(tmp_path, "long_wrong", code)
    unshrunk = judge(problem, path, n_tests=30, time_s=1.0, shrink_tries=0)
    shrunk = judge(problem, path, n_tests=30, time_s=1.0, shrink_tries=25)
    assert unshrunk.verdict == shrunk.verdict == "WA"
    assert len(shrunk.failing_input) < len(unshrunk.failing_input)
    assert shrunk.source.endswith("shrunk")
    assert int(shrunk.failing_input.split()[0]) > 6


def test_quadratic_solution_gets_tle_on_the_large_test(tmp_path):
    """Correct but O(n^2): passes the small generated tests, runs out of time at the limits."""
    code = READ + textwrap.dedent("""\
        n, t = int(tok[0]), int(tok[1]); a = list(map(int, tok[2:2 + n]))
        print(sum(a[i] + a[j] == t for i in range(n) for j in range(i + 1, n)))
        """)
    report = judge(get_problem("pair-count"), _write(tmp_path, "quadratic", code),
                   n_tests=3, n_large=1, time_s=1.0)
    assert report.verdict == "TLE" and report.source == "large test 1", report
    assert report.tests_passed == len(get_problem("pair-count").examples) + 3


def test_float_sqrt_is_caught_by_the_large_test(tmp_path):
    """int(math.sqrt(x)) is right for small x and wrong just below big perfect squares."""
    code = READ + "import math\nprint('\\n'.join(str(int(math.sqrt(int(v)))) for v in tok[1:]))\n"
    report = judge(get_problem("integer-sqrt"), _write(tmp_path, "float_sqrt", code),
                   n_tests=3, n_large=1, time_s=3.0)
    assert report.verdict == "WA" and report.source == "large test 1", report


def test_hand_examples_come_first(tmp_path):
    code = "print('nope')\n"
    report = judge(get_problem("window-max"), _write(tmp_path, "nope", code), **FAST)
    assert report.verdict == "WA" and report.source == "example 1"
    assert report.failing_input == get_problem("window-max").examples[0][0]


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(DlfsError, match="not found"):
        judge(get_problem("window-max"), tmp_path / "absent.py")


def test_record_feeds_progress_and_history(tmp_path):
    problem = get_problem("house-robber")
    path = _write(tmp_path, "ok", SOLUTIONS["house-robber"]["ok"])
    store = ProgressStore()
    record(problem, judge(problem, path, **FAST), path, store)
    assert store.status("gym:house-robber") == "passed"
    bad = judge(problem, _write(tmp_path, "crash", CRASH), **FAST)
    record(problem, bad, "crash.py", store)
    assert store.status("gym:house-robber") == "failed"
    rows = read_history()
    assert [r["verdict"] for r in rows] == ["AC", "RE"]
    assert rows[0]["topic"] == problem.topic and rows[0]["day"] == 28
    json.dumps(rows)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_every_reference_passes_its_own_judge(problem):
    """The judging procedure (examples, generated tests vs brute) accepts each reference."""
    report = judge_runner(problem, lambda inp, cap: RunOutcome("ok", problem.solve(inp), "", 0.0),
                          n_tests=15, n_large=0)
    assert report.verdict == "AC", report


def test_runner_wa_is_shrunk_in_process():
    problem = get_problem("window-max")

    def off_by_one_on_long(inp, cap):
        out = problem.solve(inp)
        return RunOutcome("ok", out + (" 0" if len(inp.split()) > 12 else ""), "", 0.0)

    report = judge_runner(problem, off_by_one_on_long, n_tests=40, shrink_tries=30)
    assert report.verdict == "WA" and len(report.failing_input.split()) > 12
    assert report.source.startswith("generated")
