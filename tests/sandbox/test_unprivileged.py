"""The sandbox as a learner meets it: run by a normal user (bubblewrap makes a user namespace,
RLIMIT_NPROC counts in it, the parent kills the launcher by pidfd). The suite usually runs as
root, so this test switches to an unprivileged uid with ``setpriv`` and the system's Python,
where they are available."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

import dlfs
from dlfs.sandbox import isolation

SYSTEM_PYTHON = "/usr/bin/python3"
SRC = str(Path(dlfs.__file__).resolve().parents[1])
SCRIPT = textwrap.dedent("""\
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from dlfs.sandbox import Limits, isolation, python_executable, run
    py = python_executable()
    fork = ("import os, time\\nfor _ in range(40):\\n    if os.fork() == 0:\\n"
            "        time.sleep(1); os._exit(0)\\n")
    forked = run([py, "-I", "-c", fork], limits=Limits(processes=8, wall_s=10))
    daemon = run([py, "-I", "-c", sys.argv[2]], limits=Limits(wall_s=0.8))
    flood = run([py, "-I", "-c", sys.argv[3]], limits=Limits(output_bytes=2**16))
    who = run([py, "-I", "-c", "import os; print(os.getuid(), sorted(os.listdir('/')))"])
    print(json.dumps({"uid": os.getuid(), "isolated": isolation().available,
                      "fork": [forked.returncode, forked.processes_peak,
                               forked.stderr.decode()[-200:]],
                      "daemon": [daemon.limit_hit, flood.limit_hit],
                      "who": who.stdout.decode()}))
    """)


def _unprivileged_python_works() -> str:
    """Why the test cannot run here, or '' when it can."""
    if os.geteuid() != 0:
        return "already unprivileged: the other tests cover this mode"
    if not isolation().available:
        return isolation().note or "bubblewrap unavailable"
    if shutil.which("setpriv") is None or not os.path.exists(SYSTEM_PYTHON):
        return "needs setpriv and /usr/bin/python3 to switch to an unprivileged user"
    probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            SYSTEM_PYTHON, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                            "import dlfs.sandbox", SRC], capture_output=True, timeout=60)
    return "" if probe.returncode == 0 else "the unprivileged user cannot import dlfs.sandbox"


def test_sandbox_run_by_an_unprivileged_user(daemon_probe):
    why = _unprivileged_python_works()
    if why:
        pytest.skip(why)
    run = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                          SYSTEM_PYTHON, "-c", SCRIPT, SRC, daemon_probe.code("while 1: pass"),
                          daemon_probe.code("while 1: print('x' * 1000)")],
                         capture_output=True, text=True, timeout=120, env={"HOME": "/tmp"})
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["uid"] == 65534 and out["isolated"]
    code, peak, err = out["fork"]
    assert code != 0 and peak <= 8 and "BlockingIOError" in err, out
    assert out["daemon"] == ["wall", "output"] and daemon_probe.alive() == []
    assert out["who"].startswith("65534 ") and "'home'" not in out["who"]
