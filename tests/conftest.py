"""Shared test setup: every test writes its state and outputs into temporary directories."""

from __future__ import annotations

import os
import signal
import uuid

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# The tests read English messages, with bilingual titles (no language chosen), unless a test
# chooses Chinese — whatever the locale of the machine says.
os.environ.pop("DLFS_LANG", None)
os.environ["LC_ALL"] = "C.UTF-8"

import torch  # noqa: E402

# The tests use small tensors, for which one thread is as fast as two on a quiet machine
# and many times faster on a busy one (torch's worker threads wait on each other).
torch.set_num_threads(1)


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (full-mode lesson runs, minutes "
                          "each); `make test-full` runs only those (-m slow)")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` are deselected unless asked for: ``--run-slow``, or a ``-m``
    expression that names the marker (``-m slow``; ``-m "not slow"`` leaves them out too)."""
    if config.getoption("--run-slow") or "slow" in (config.option.markexpr or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """A test that runs `dlfs --lang zh ...` leaves the next test in the default language."""
    yield
    from dlfs.i18n import set_lang

    set_lang(None)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    """Keep progress files, lesson outputs and data lookups out of the user's home and repo."""
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DLFS_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("DLFS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DLFS_WORKSPACE", str(tmp_path / "work"))
    monkeypatch.delenv("DLFS_LESSON_MODE", raising=False)


class DaemonProbe:
    """A solution that leaves a daemon behind (fork, setsid, fork again, stdio closed) with a
    unique tag in its command line, and a way to find that daemon in /proc afterwards."""

    def __init__(self) -> None:
        self.tag = f"dlfs-daemon-probe-{uuid.uuid4().hex}"

    def code(self, then: str = "") -> str:
        """Python source: start the daemon (it sleeps 8 s), wait until it runs, then ``then``."""
        return ("import os, sys, time\n"
                "if os.fork() == 0:\n"
                "    os.setsid()\n"
                "    if os.fork() == 0:\n"
                "        for fd in (0, 1, 2):\n"
                "            os.close(fd)\n"
                "        os.execv(sys.executable, [sys.executable, '-c', "
                f"'import time; time.sleep(8)', {self.tag!r}])\n"
                "    os._exit(0)\n"
                "os.wait()\n"
                "time.sleep(0.3)\n"
                f"{then}\n")

    def alive(self) -> list[int]:
        """PIDs of live (not zombie) processes carrying the tag."""
        found = []
        for name in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if self.tag.encode() not in f.read():
                        continue
                with open(f"/proc/{name}/stat", "rb") as f:
                    if f.read().rsplit(b")", 1)[1].split()[0] != b"Z":
                        found.append(int(name))
            except OSError:
                continue
        return found


@pytest.fixture
def daemon_probe():
    """A :class:`DaemonProbe`; any daemon it finds still alive at the end is killed."""
    probe = DaemonProbe()
    yield probe
    for pid in probe.alive():
        os.kill(pid, signal.SIGKILL)
