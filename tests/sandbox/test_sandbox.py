"""The sandbox's contract: a run's I/O, and every limit, each shown to bite (a tight limit
stops the hostile snippet) and to matter (a loose one lets the same snippet through)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from sandbox_helpers import MODES, PY, run_py

from dlfs.sandbox import Limits, MiB

UPPER = "import sys\nsys.stdout.write(sys.stdin.read().upper())\n"


@pytest.mark.parametrize("isolate", MODES)
def test_stdin_to_stdout(isolate):
    r = run_py(UPPER + "print('note', file=sys.stderr)\n", b"hello\n", isolate=isolate)
    assert r.ok and r.stdout == b"HELLO\n" and r.stderr == b"note\n", r
    assert r.isolated is isolate and 0 < r.seconds < 5 and r.processes_peak == 1


@pytest.mark.parametrize("isolate", MODES)
def test_exit_status_and_signals_are_reported(isolate):
    assert run_py("raise SystemExit(3)", isolate=isolate).returncode == 3
    killed = run_py("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)", isolate=isolate)
    assert killed.returncode == -signal.SIGTERM and killed.limit_hit is None and not killed.ok


def test_unread_stdin_does_not_block():
    r = run_py("print('done')", b"x" * (8 * MiB), wall_s=5)
    assert r.ok and r.stdout == b"done\n"


@pytest.mark.parametrize("isolate", MODES)
def test_each_run_has_a_fresh_directory(isolate):
    write = "import os\nopen('left.txt', 'w').write('x')\nprint(sorted(os.listdir()))\n"
    assert run_py(write, isolate=isolate).stdout == b"['left.txt', 'main.py']\n"
    assert run_py(write, isolate=isolate).stdout == b"['left.txt', 'main.py']\n"


def test_limits_validate_themselves():
    for bad in (dict(wall_s=0), dict(wall_s=-1), dict(wall_s=float("inf")), dict(cpu_s=0),
                dict(memory_bytes=1), dict(processes=0), dict(output_bytes=0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Limits(**bad)


@pytest.mark.parametrize("isolate", MODES)
@pytest.mark.parametrize("wall_s, hit", [(0.4, "wall"), (5.0, None)])
def test_wall_clock_limit(isolate, wall_s, hit):
    r = run_py("import time\ntime.sleep(1.2)\n", isolate=isolate, wall_s=wall_s)
    assert r.limit_hit == hit, r
    if hit:
        assert r.returncode == -signal.SIGKILL and r.seconds < 1.1


@pytest.mark.parametrize("cpu_s, hit", [(1, "cpu"), (6, None)])
def test_cpu_limit(cpu_s, hit):
    """RLIMIT_CPU: 1.5 s of computing is stopped by a 1 s limit (SIGXCPU), not by 6 s."""
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.5: pass\n"
    r = run_py(spin, wall_s=30, cpu_s=cpu_s)
    assert r.limit_hit == hit, r
    assert r.returncode == (-signal.SIGXCPU if hit else 0)


@pytest.mark.parametrize("isolate", MODES)
@pytest.mark.parametrize("memory_mb, ok", [(128, False), (512, True)])
def test_address_space_limit_per_process(isolate, memory_mb, ok):
    r = run_py("x = bytearray(300 * 2**20)\n", isolate=isolate, memory_bytes=memory_mb * MiB)
    assert r.ok is ok, r
    if not ok:
        assert b"MemoryError" in r.stderr


FOUR_CHILDREN = """\
import os, time
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray({mb} * 2**20)  # written, so resident
        time.sleep(1.0)
        os._exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print("all done")
"""


@pytest.mark.parametrize("isolate", MODES)
@pytest.mark.parametrize("memory_mb, hit", [(256, "memory"), (1024, None)])
def test_memory_of_all_children_counts_together(isolate, memory_mb, hit):
    """Four children of 150 MB each fit the per-process limit of 256 MB but not together."""
    r = run_py(FOUR_CHILDREN.format(mb=150), isolate=isolate, wall_s=10,
               memory_bytes=memory_mb * MiB)
    assert r.limit_hit == hit, r
    assert (r.memory_peak > 4 * 150 * MiB) is (hit is None)


FORK_MANY = """\
import os, time
n = 0
try:
    for _ in range(40):  # bounded: a fork bomb that stops at 40 children
        if os.fork() == 0:
            time.sleep(1.0)
            os._exit(0)
        n += 1
finally:
    print("forked", n, flush=True)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""


@pytest.mark.parametrize("isolate", MODES)
@pytest.mark.parametrize("processes, ok", [(8, False), (64, True)])
def test_process_limit(isolate, processes, ok):
    """RLIMIT_NPROC refuses the ninth process; where it cannot (root without bubblewrap
    ignores it) the launcher's count of the tree stops the run, a scan later."""
    r = run_py(FORK_MANY, isolate=isolate, wall_s=10, processes=processes)
    assert r.ok is ok, r
    if not ok and (isolate or os.geteuid() != 0):
        assert b"BlockingIOError" in r.stderr and r.processes_peak <= processes, r
    elif not ok:
        assert r.limit_hit == "processes", r


FORK_AND_LEAVE = """\
import os, time
for _ in range(12):
    if os.fork() == 0:
        time.sleep(1.5)
        os._exit(0)
"""


@pytest.mark.parametrize("processes, hit", [(8, "processes"), (64, None)])
def test_children_left_behind_are_counted_when_the_command_ends(monkeypatch, processes, hit):
    """No RLIMIT_NPROC and a scan interval longer than the run: the command forks twelve
    sleepers and exits before any periodic scan; the scan made when it ends still sees them."""
    from dlfs.sandbox import runner

    monkeypatch.setattr(runner, "_nproc", lambda *args: None)
    monkeypatch.setattr(runner, "SCAN_S_PLAIN", 60.0)
    r = run_py(FORK_AND_LEAVE, isolate=False, wall_s=10, processes=processes)
    assert r.limit_hit == hit, r
    assert r.processes_peak >= 12, r


@pytest.mark.parametrize("isolate", MODES)
@pytest.mark.parametrize("file_mb, ok", [(1, False), (4, True)])
def test_file_size_limit(isolate, file_mb, ok):
    r = run_py("open('big.bin', 'wb').write(bytes(2 * 2**20))\n", isolate=isolate,
               file_bytes=file_mb * MiB)
    assert r.ok is ok, r
    if not ok:
        assert b"File too large" in r.stderr


@pytest.mark.parametrize("isolate", MODES)
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_is_cut_at_the_cap(isolate, stream):
    """200 MB of output: the run ends at the cap and keeps at most the cap."""
    flood = f"import sys\nb = b'x' * 2**20\nfor _ in range(200): sys.{stream}.buffer.write(b)\n"
    r = run_py(flood, isolate=isolate, wall_s=20, output_bytes=MiB)
    assert r.limit_hit == "output", r
    assert len(r.stdout) <= MiB and len(r.stderr) <= 64 * 1024
    assert run_py(flood.replace("200", "1"), isolate=isolate, output_bytes=2 * MiB).ok


@pytest.mark.parametrize("isolate", MODES)
@pytest.mark.parametrize("ending", ["exit", "wall", "output"])
def test_nothing_outlives_the_run(isolate, ending, daemon_probe):
    """A daemon (double fork, setsid, stdio closed) is gone when run() returns, however the
    run ended: normal exit, killed at the wall-clock limit, killed at the output cap."""
    then = {"exit": "print('bye')", "wall": "while True: pass",
            "output": "while True: print('x' * 1000)"}[ending]
    r = run_py(daemon_probe.code(then), isolate=isolate, wall_s=1.5, output_bytes=MiB)
    assert r.limit_hit == {"exit": None, "wall": "wall", "output": "output"}[ending], r
    assert daemon_probe.alive() == []


def test_the_daemon_check_can_fail(daemon_probe):
    """Without the sandbox the same solution leaves its daemon running (and we find it)."""
    subprocess.run([PY, "-I", "-c", daemon_probe.code("print('bye')")], capture_output=True,
                   timeout=30)
    time.sleep(0.2)
    assert daemon_probe.alive() != []
