"""Hostile solutions and the verdict each must get. Every cheat is also run where the
protection is missing (no bubblewrap, a looser limit, a bare subprocess), where it works:
so each check here can fail."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest

from dlfs.gym import execution
from dlfs.gym.judge import judge
from dlfs.gym.problems import get_problem
from dlfs.sandbox import Isolation, isolation, runner

PROBLEM = get_problem("house-robber")
ANSWERS = dict(PROBLEM.examples)  # input text -> expected output
ONLY_EXAMPLES = dict(n_tests=0, n_large=0, time_s=5.0)
SOLVE = textwrap.dedent("""\
    import sys
    tok = sys.stdin.read().split()
    take = skip = 0
    for v in map(int, tok[1:]):
        take, skip = skip + v, max(take, skip)
    print(max(take, skip))
    """)
needs_bwrap = pytest.mark.skipif(not isolation().available,
                                 reason=isolation().note or "bubblewrap unavailable")
MODES = [pytest.param(True, id="bwrap", marks=needs_bwrap), pytest.param(False, id="plain")]


@pytest.fixture
def isolate(request, monkeypatch):
    """``True``: the sandbox as it is here; ``False``: as if bubblewrap were missing."""
    if not request.param:
        monkeypatch.setattr(runner, "isolation", lambda: Isolation(False, "test: no bwrap"))
    return request.param


def _on_example_1(statement: str) -> str:
    """Source that runs ``statement`` on the first example's input only, then leaves stdin
    as it was for the code after it."""
    return (f"import io, os, sys\ndata = sys.stdin.read()\nif data == {PROBLEM.examples[0][0]!r}:"
            f"\n    {statement}\nsys.stdin = io.StringIO(data)\n")


def _judge(tmp_path, code: str, **kw):
    path = tmp_path / "solution.py"
    path.write_text(code, encoding="utf-8")
    return judge(PROBLEM, path, **{**ONLY_EXAMPLES, **kw})


@pytest.mark.parametrize("isolate", MODES, indirect=True)
def test_reading_the_answers_from_a_file_outside(tmp_path, isolate):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    cheat = (f"import json, sys\nprint(json.load(open({str(answers)!r}))[sys.stdin.read()], "
             "end='')")
    report = _judge(tmp_path, cheat)
    assert report.verdict == ("RE" if isolate else "AC"), report


@pytest.mark.parametrize("isolate", MODES, indirect=True)
def test_etc_passwd_is_not_shown_as_output(tmp_path, isolate):
    report = _judge(tmp_path, "print(open('/etc/passwd').read())")
    assert report.verdict == ("RE" if isolate else "WA"), report
    assert ("root:" in (report.got or "")) is (not isolate)


@pytest.mark.parametrize("isolate", MODES, indirect=True)
def test_deleting_a_file_in_tmp(tmp_path, isolate):
    if not isolate and os.geteuid() != 0:
        pytest.skip("without bubblewrap a solution may delete its own user's files")
    fd, name = tempfile.mkstemp(prefix="dlfs-sentinel-", dir="/tmp")
    os.close(fd)
    try:
        report = _judge(tmp_path, _on_example_1(f"os.remove({name!r})") + SOLVE)
        assert report.verdict == ("RE" if isolate else "AC"), report
        assert os.path.exists(name) is isolate
    finally:
        if os.path.exists(name):
            os.remove(name)


@pytest.mark.parametrize("isolate", MODES, indirect=True)
def test_writing_outside_the_run_directory(tmp_path, isolate):
    if not isolate and os.geteuid() != 0:
        pytest.skip("without bubblewrap a solution may write where its user may")
    target = tmp_path / "pwned.txt"
    report = _judge(tmp_path, f"open({str(target)!r}, 'w').write('x')\n" + SOLVE)
    assert report.verdict == ("RE" if isolate else "AC"), report
    assert target.exists() is (not isolate)


@pytest.fixture
def answer_server():
    """A TCP server on the host's loopback that sends the answers to whoever connects."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        try:
            while True:
                conn, _ = server.accept()
                conn.sendall(json.dumps(ANSWERS).encode())
                conn.close()
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


@pytest.mark.parametrize("isolate", MODES, indirect=True)
def test_fetching_the_answers_over_the_network(tmp_path, isolate, answer_server):
    cheat = (f"import json, socket, sys\ns = socket.create_connection(('127.0.0.1', "
             f"{answer_server}), timeout=2)\nprint(json.loads(s.recv(65536))[sys.stdin.read()], "
             "end='')")
    report = _judge(tmp_path, cheat)
    assert report.verdict == ("RE" if isolate else "AC"), report


IMPORT_REFERENCE = ("import sys\nfrom dlfs.gym.problems import get_problem\n"
                    "sys.stdout.write(get_problem('house-robber').solve(sys.stdin.read()))\n")


@pytest.mark.parametrize("isolate", MODES, indirect=True)
def test_importing_the_reference_solution(tmp_path, isolate):
    report = _judge(tmp_path, IMPORT_REFERENCE)
    assert report.verdict == "RE", report
    assert "No module named 'dlfs'" in report.detail
    assert "standard library only" in report.detail  # in the learner's language (en here)


def test_the_import_cheat_works_outside_the_judge():
    """The project's interpreter (the old judge ran ``sys.executable -I``) imports dlfs."""
    inp, out = PROBLEM.examples[0]
    run = subprocess.run([sys.executable, "-I", "-c", IMPORT_REFERENCE], input=inp,
                         capture_output=True, text=True, timeout=60)
    assert run.stdout == out, run.stderr


@needs_bwrap
def test_the_reference_source_cannot_be_read(tmp_path):
    import dlfs.gym.problems.d28_house_robber as ref

    assert os.path.isfile(ref.__file__)
    report = _judge(tmp_path, f"print(len(open({ref.__file__!r}).read()))")
    assert report.verdict == "RE" and "FileNotFoundError" in report.detail, report


FOUR_CHILDREN_450MB = textwrap.dedent("""\
    import os, time
    kids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            block = bytearray(450 * 2**20)
            time.sleep(1.0)
            os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    """) + SOLVE


@pytest.mark.parametrize("isolate", MODES, indirect=True)
def test_four_children_of_450_mb_under_512_mb(tmp_path, isolate):
    """Each child fits the per-process limit; together they are 1.8 GB: MLE, not AC."""
    report = _judge(tmp_path, FOUR_CHILDREN_450MB, memory_mb=512)
    assert report.verdict == "MLE", report
    assert "all processes together" in report.detail


FORK_50 = textwrap.dedent("""\
    import os, time
    for _ in range(50):
        if os.fork() == 0:
            time.sleep(1.0)
            os._exit(0)
    """) + SOLVE


@pytest.mark.parametrize("isolate", MODES, indirect=True)
@pytest.mark.parametrize("processes", [execution.PROCESSES, 64])
def test_forking_fifty_processes(tmp_path, isolate, processes, monkeypatch):
    """Over the process limit: RE with the reason; under a looser limit the same is AC."""
    monkeypatch.setattr(execution, "PROCESSES", processes)
    report = _judge(tmp_path, FORK_50)
    if processes < 50:
        assert report.verdict == "RE", report
        assert f"more than {processes} processes" in report.detail
    else:
        assert report.verdict == "AC", report


@pytest.mark.parametrize("isolate", MODES, indirect=True)
@pytest.mark.parametrize("ending", ["AC", "TLE"])
def test_nothing_outlives_a_verdict(tmp_path, isolate, ending, daemon_probe):
    """A daemon started by the solution is gone when the verdict is out."""
    code = daemon_probe.code(SOLVE if ending == "AC" else "while True: pass")
    report = _judge(tmp_path, code, time_s=2.0)
    assert report.verdict == ending, report
    assert daemon_probe.alive() == []


MARKER_CHILD = textwrap.dedent("""\
    import os, subprocess, sys
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5); "
                      "open(sys.argv[1], 'w').write('x')", sys.argv[1]],
                     start_new_session=True, stdout=subprocess.DEVNULL)
    """)


def test_a_background_child_never_writes_its_marker(tmp_path, monkeypatch):
    """Without bubblewrap (so the marker's folder is writable): the background child that
    sleeps and then writes a file is killed with the run; a bare subprocess lets it write."""
    monkeypatch.setattr(runner, "isolation", lambda: Isolation(False, "test: no bwrap"))
    marker = tmp_path / "marker"
    code = MARKER_CHILD.replace("sys.argv[1]", repr(str(marker))) + SOLVE
    assert _judge(tmp_path, code).verdict == "AC"
    time.sleep(1.0)
    assert not marker.exists()
    subprocess.run([sys.executable, "-c", code], input="1\n4\n", text=True, timeout=30,
                   capture_output=True)
    time.sleep(1.0)
    assert marker.exists()


PEAK_PROBE = textwrap.dedent("""\
    import subprocess, sys
    from dlfs.gym.judge import judge
    from dlfs.gym.problems import get_problem

    def rss(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1]) * 1024

    flood = "import sys\\nb = b'x' * 2**20\\nfor _ in range(200): sys.stdout.buffer.write(b)\\n"
    open("flood.py", "w").write(flood)
    open("/proc/self/clear_refs", "w").write("5")  # VmHWM := VmRSS
    before = rss("VmRSS")
    if sys.argv[1] == "judge":
        verdict = judge(get_problem("house-robber"), "flood.py", n_tests=0, n_large=0).verdict
    else:  # what the judge did before: keep the whole output
        verdict = len(subprocess.run([sys.executable, "flood.py"], capture_output=True).stdout)
    print(verdict, (rss("VmHWM") - before) // 2**20)
    """)


@pytest.mark.parametrize("how", ["judge", "capture_output"])
def test_200_mb_of_output(tmp_path, how):
    """The judge stops at the cap (OLE) and its own memory grows by less than 100 MB; a
    reader that keeps everything grows by the 200 MB (so the measurement can fail)."""
    run = subprocess.run([sys.executable, "-c", PEAK_PROBE, how], cwd=tmp_path, timeout=120,
                         capture_output=True, text=True)
    verdict, grown_mb = run.stdout.split()
    if how == "judge":
        assert verdict == "OLE" and int(grown_mb) < 100, run.stdout
    else:
        assert int(verdict) == 200 * 2**20 and int(grown_mb) >= 200, run.stdout
