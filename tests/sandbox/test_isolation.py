"""What a sandboxed command can see and touch with bubblewrap; each check is run once more
without isolation, where the same snippet succeeds (so the check can fail)."""

from __future__ import annotations

import os
import socket
import tempfile
import threading

import pytest
from sandbox_helpers import run_py

from dlfs import sandbox
from dlfs.sandbox import bwrap, isolation, runner

needs_bwrap = pytest.mark.skipif(not isolation().available,
                                 reason=isolation().note or "bubblewrap unavailable")


@pytest.fixture
def sentinel(tmp_path):
    """A file outside the run directory (pytest's tmp_path lies under the host's /tmp)."""
    path = tmp_path / "sentinel.txt"
    path.write_text("secret")
    return path


@needs_bwrap
@pytest.mark.parametrize("isolate", [True, False], ids=["bwrap", "plain"])
def test_files_outside_cannot_be_read(sentinel, isolate):
    r = run_py(f"print(open({str(sentinel)!r}).read())", isolate=isolate)
    assert (b"secret" in r.stdout) is (not isolate), r


@needs_bwrap
@pytest.mark.parametrize("isolate", [True, False], ids=["bwrap", "plain"])
def test_files_outside_cannot_be_written(tmp_path, isolate):
    target = tmp_path / "pwned.txt"
    run_py(f"open({str(target)!r}, 'w').write('x')", isolate=isolate)
    assert target.exists() is (not isolate)


@needs_bwrap
@pytest.mark.parametrize("isolate", [True, False], ids=["bwrap", "plain"])
def test_tmp_is_private_and_empty(isolate):
    """The host's /tmp holds a file of ours; the sandbox's /tmp is empty, so it cannot be
    deleted from inside (as root without isolation it can)."""
    fd, name = tempfile.mkstemp(prefix="dlfs-sentinel-", dir="/tmp")
    os.close(fd)
    try:
        r = run_py(f"import os\nprint(os.listdir('/tmp'))\nos.remove({name!r})", isolate=isolate)
        assert os.path.exists(name) is isolate, r
        if isolate:
            assert r.stdout == b"[]\n" and b"FileNotFoundError" in r.stderr
    finally:
        if os.path.exists(name):
            os.remove(name)


@needs_bwrap
def test_only_the_system_is_visible():
    r = run_py("import os\nprint(sorted(os.listdir('/')), os.environ['HOME'], os.getcwd())\n"
               "print(os.path.exists('/etc/passwd'), os.path.exists('/home'))")
    visible, flags = r.stdout.decode().splitlines()
    assert "'sandbox'" in visible and "'home'" not in visible and "'work'" not in visible
    assert visible.endswith("/sandbox /sandbox") and flags == "False False"


@needs_bwrap
def test_hidden_directories_are_empty(tmp_path):
    shown = tmp_path / "shown"
    (shown / "inner").mkdir(parents=True)
    (shown / "inner" / "ref.py").write_text("answer = 42\n")
    code = f"import os\nprint(os.listdir({str(shown / 'inner')!r}))"
    seen = sandbox.run([sandbox.python_executable(), "-I", "-c", code], readable=[str(shown)])
    hidden = sandbox.run([sandbox.python_executable(), "-I", "-c", code], readable=[str(shown)],
                         hidden=[str(shown / "inner")])
    assert seen.stdout == b"['ref.py']\n" and hidden.stdout == b"[]\n"


@pytest.fixture
def local_server():
    """A TCP server on the host's loopback that greets every connection with 'hello'."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def serve():
        try:
            while True:
                conn, _ = server.accept()
                conn.sendall(b"hello")
                conn.close()
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


@needs_bwrap
@pytest.mark.parametrize("isolate", [True, False], ids=["bwrap", "plain"])
def test_no_network(local_server, isolate):
    code = (f"import socket\ns = socket.create_connection(('127.0.0.1', {local_server}), "
            "timeout=2)\nprint(s.recv(5).decode())")
    r = run_py(code, isolate=isolate)
    assert (r.stdout == b"hello\n") is (not isolate), r


def test_missing_bubblewrap_gives_a_note_and_limits_still_apply(monkeypatch):
    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    bwrap.isolation.cache_clear()
    try:
        state = bwrap.isolation()
        assert not state.available
        assert "apt-get install bubblewrap" in state.note and "isolation" in state.note
        assert len(state.note.splitlines()) == 1
        monkeypatch.setattr(runner, "isolation", bwrap.isolation)
        r = run_py("while True: pass", wall_s=0.3)
        assert not r.isolated and r.limit_hit == "wall"
    finally:
        bwrap.isolation.cache_clear()


@needs_bwrap
@pytest.mark.parametrize("folder", ["/tmp", "/dev/shm"])
@pytest.mark.parametrize("file_mb, fits", [(4, False), (16, True)])
def test_private_memory_folders_are_capped(folder, file_mb, fits):
    """/tmp and /dev/shm live in memory, so each holds at most the file-size limit in all:
    ten files of 1 MiB do not fit under a 4 MiB limit, and do under 16 MiB."""
    code = (f"import os\nfor i in range(10):\n    with open('{folder}/f%d' % i, 'wb') as f:\n"
            "        f.write(bytes(2**20))\n")
    r = run_py(code, file_bytes=file_mb * 2**20)
    assert r.ok is fits, r
    if not fits:
        assert b"No space left on device" in r.stderr
