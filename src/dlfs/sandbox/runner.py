"""Run one command in the sandbox: spawn the launcher (inside bubblewrap when it works here),
feed stdin, read stdout/stderr incrementally under a byte cap, and stop the whole tree.

The launcher (:mod:`dlfs.sandbox.launcher`) enforces the wall-clock, memory and process
limits from inside; this side enforces the output cap (it reads the pipes) and a wall-clock
backstop, and makes sure that when :func:`run` returns no process of the run is left:
inside bubblewrap by killing the launcher, PID 1 of the run's PID namespace (the kernel
then kills every process in it before the launcher's parent sees it exit); without
bubblewrap by killing the tree below the launcher, which is a child subreaper, so even a
daemon that called ``setsid`` is still below it.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import DlfsError
from ..i18n import t
from . import launcher
from .bwrap import WORKDIR, bwrap_command, isolation
from .limits import STDERR_TAIL, Limits, RunResult
from .python import python_executable

_BACKSTOP_S = 2.0  # the launcher enforces wall_s; this side waits this much longer
_CHUNK = 64 * 1024
_UID_RANGE = (1_000_000, 1_900_000)  # throw-away user ids for root-run sandboxes


def run(argv: Sequence[str], stdin: bytes = b"", *, limits: Limits | None = None,
        files: Mapping[str, bytes] | None = None, readable: Sequence[str] = (),
        hidden: Sequence[str] = (), env: Mapping[str, str] | None = None,
        isolate: bool = True) -> RunResult:
    """Run ``argv`` in a fresh working directory under ``limits`` (default :class:`Limits`);
    nothing of it outlives the call.

    ``files`` are written into the working directory first (name → content), so ``argv``
    can name them relatively. With ``isolate`` (and bubblewrap working, see
    :func:`dlfs.sandbox.isolation`) the command sees only the system, the interpreter,
    ``readable`` paths and its directory, with ``hidden`` directories emptied, and has no
    network; otherwise only the resource limits apply.

    >>> r = run(["true"], limits=Limits(wall_s=5))
    >>> r.ok, r.stdout, r.limit_hit
    (True, b'', None)
    """
    if os.name != "posix":
        raise DlfsError(t("library.sandbox.needs_posix"))
    _check_names(files or {})
    limits = limits or Limits()
    isolated = isolate and isolation().available
    with tempfile.TemporaryDirectory(prefix="dlfs-sandbox-", ignore_cleanup_errors=True) as tmp:
        for name, data in (files or {}).items():
            (Path(tmp) / name).write_bytes(data)
        uid = None
        if isolated and os.geteuid() == 0:
            uid = secrets.randbelow(_UID_RANGE[1] - _UID_RANGE[0]) + _UID_RANGE[0]
            os.chown(tmp, uid, uid)
            os.chmod(tmp, 0o711)  # the launcher (root without DAC override) must enter it
        workdir = WORKDIR if isolated else tmp
        full_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": "/tmp",
                    "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "OMP_NUM_THREADS": "1",
                    "OPENBLAS_NUM_THREADS": "1", **(env or {})}
        session = _Session(limits, isolated)
        session.start(list(argv), tmp, full_env, uid=uid, readable=readable, hidden=hidden)
        return session.finish(stdin)


def _check_names(files: Mapping[str, bytes]) -> None:
    for name in files:
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"sandbox files: expected plain file names, got {name!r}")


# How often the launcher reads /proc for the tree's memory and process count (seconds).
SCAN_S_ISOLATED = 0.01
SCAN_S_PLAIN = 0.05


@functools.lru_cache(maxsize=1)
def _launcher_source() -> str:
    return Path(launcher.__file__).read_text(encoding="utf-8")


def _nproc(limits: Limits, isolated: bool, uid: int | None) -> int | None:
    """The ``RLIMIT_NPROC`` value: it counts every process of the user id (per user
    namespace), so it is exact for a throw-away uid or a fresh namespace (+1: the launcher)."""
    if uid is not None:
        return limits.processes
    if isolated:
        return limits.processes + 1
    if os.geteuid() == 0:
        return None  # root ignores RLIMIT_NPROC; the launcher's count is the backstop
    mine = 0
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.stat(f"/proc/{name}").st_uid == os.getuid():
                mine += len(os.listdir(f"/proc/{name}/task"))
        except OSError:
            continue
    return limits.processes + mine + 1


class _Session:
    """One spawned run: the process, its pipes, what was read, and how it ended."""

    def __init__(self, limits: Limits, isolated: bool) -> None:
        self.limits, self.isolated = limits, isolated
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.stderr_total = 0
        self.status = b""
        self.info = b""
        self.limit: str | None = None
        self.killed = False
        self.launcher_fd: int | None = None  # pidfd of the launcher inside bubblewrap

    def start(self, argv: list[str], run_dir: str, env: dict, *, uid: int | None,
              readable: Sequence[str], hidden: Sequence[str]) -> None:
        """Spawn ``[bwrap …] python -I -S -c LAUNCHER CONFIG -- argv``."""
        status_r, status_w = os.pipe()
        info_r, info_w = os.pipe() if self.isolated else (None, None)
        cfg = {**self.limits.as_dict(), "isolated": int(self.isolated), "uid": uid,
               "nproc": _nproc(self.limits, self.isolated, uid), "status_fd": status_w,
               "scan_s": SCAN_S_ISOLATED if self.isolated else SCAN_S_PLAIN}
        cmd = [python_executable(), "-I", "-S", "-c", _launcher_source(), launcher.encode(cfg),
               "--", *argv]
        if self.isolated:
            cmd = bwrap_command(run_dir, readable=readable, hidden=hidden, info_fd=info_w,
                                tmp_bytes=self.limits.file_bytes) + cmd
        self.started = time.monotonic()
        passed = tuple(fd for fd in (status_w, info_w) if fd is not None)
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=run_dir, env=env, pass_fds=passed, start_new_session=True)
        finally:
            for fd in passed:
                os.close(fd)
        self.status_r, self.info_r = status_r, info_r

    def finish(self, stdin: bytes) -> RunResult:
        """Pump the pipes until the run ends (or is stopped), then describe it."""
        try:
            try:
                self._pump(stdin)
                if self.limit is None:  # every pipe is closed: the launcher is done
                    self.proc.wait(timeout=_BACKSTOP_S)
            except subprocess.TimeoutExpired:
                self.limit = "wall"
            finally:
                if self.limit is not None or self.proc.poll() is None:
                    self._stop()
        finally:
            for fd in (self.status_r, self.info_r, self.launcher_fd):
                if fd is not None:
                    os.close(fd)
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self._result()

    def _pump(self, stdin: bytes) -> None:
        sel = selectors.DefaultSelector()
        for stream, name in ((self.proc.stdout, "stdout"), (self.proc.stderr, "stderr")):
            sel.register(stream.fileno(), selectors.EVENT_READ, name)
        sel.register(self.status_r, selectors.EVENT_READ, "status")
        if self.info_r is not None:
            sel.register(self.info_r, selectors.EVENT_READ, "info")
        feed = _Feeder(self.proc.stdin, stdin, sel)
        deadline = self.started + self.limits.wall_s + _BACKSTOP_S
        while self.limit is None and any(k.data != "stdin" for k in sel.get_map().values()):
            left = deadline - time.monotonic()
            if left <= 0:
                self.limit = "wall"
                break
            for key, _ in sel.select(min(left, 0.5)):
                if key.data == "stdin":
                    feed.write()
                else:
                    self._read(key.fd, key.data, sel)
        feed.close()
        sel.close()

    def _read(self, fd: int, name: str, sel: selectors.BaseSelector) -> None:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            sel.unregister(fd)
            if name == "info":
                self._note_launcher()
            return
        if name == "stdout":
            room = self.limits.output_bytes - len(self.stdout)
            self.stdout += chunk[:max(room, 0)]
            if len(chunk) > room:
                self.limit = "output"
        elif name == "stderr":
            self.stderr_total += len(chunk)
            self.stderr = (self.stderr + chunk)[-STDERR_TAIL:]
            if self.stderr_total > self.limits.output_bytes:
                self.limit = "output"
        elif name == "status":
            self.status += chunk
        else:
            self.info += chunk

    def _note_launcher(self) -> None:
        """bubblewrap said which host PID the launcher has: hold a pidfd to it."""
        try:
            pid = json.loads(self.info)["child-pid"]
            self.launcher_fd = os.pidfd_open(pid)
        except (ValueError, KeyError, OSError, AttributeError):
            self.launcher_fd = None

    def _stop(self) -> None:
        """Kill every process of the run and wait until they are gone."""
        self.killed = True
        if self.isolated and self.launcher_fd is None:
            self._await_info()
        if self.isolated and self.launcher_fd is not None:
            try:  # PID 1 of the namespace: the kernel kills the rest before it is gone
                signal.pidfd_send_signal(self.launcher_fd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _readable(self.launcher_fd, time.monotonic() + 10.0)  # readable once it exited
        elif not self.isolated:
            launcher.kill_tree(self.proc.pid)
            try:  # where there is no /proc to walk: the launcher's process group
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.kill()
        self.proc.wait()

    def _await_info(self, timeout: float = 2.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            chunk = os.read(self.info_r, _CHUNK) if _readable(self.info_r, end) else b""
            if not chunk:
                break
            self.info += chunk
        self._note_launcher()

    def _result(self) -> RunResult:
        seconds = time.monotonic() - self.started
        report = {}
        if self.status:
            report = launcher.decode(self.status.decode().splitlines()[0])
        if self.killed or not report:
            code = self.proc.returncode if not self.killed else -signal.SIGKILL
        else:
            code = report["exit"] if report["exit"] is not None else \
                -(report["signal"] or signal.SIGKILL)
        return RunResult(
            returncode=code, stdout=bytes(self.stdout), stderr=bytes(self.stderr),
            seconds=report.get("seconds", seconds), cpu_seconds=report.get("cpu_seconds", 0.0),
            memory_peak=report.get("memory_peak", 0),
            processes_peak=report.get("processes_peak", 0),
            limit_hit=self.limit or report.get("limit"), isolated=self.isolated)


def _readable(fd: int, end: float) -> bool:
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        return bool(sel.select(max(0.0, end - time.monotonic())))


class _Feeder:
    """Writes the input to the command's stdin without blocking; stops if it hangs up."""

    def __init__(self, pipe, data: bytes, sel: selectors.BaseSelector) -> None:
        self.pipe, self.view, self.sel = pipe, memoryview(data), sel
        os.set_blocking(pipe.fileno(), False)
        if data:
            sel.register(pipe.fileno(), selectors.EVENT_WRITE, "stdin")
        else:
            self.close()

    def write(self) -> None:
        try:
            sent = os.write(self.pipe.fileno(), self.view[:_CHUNK])
        except (BrokenPipeError, BlockingIOError) as exc:
            if isinstance(exc, BrokenPipeError):
                self.close()
            return
        self.view = self.view[sent:]
        if not self.view:
            self.close()

    def close(self) -> None:
        if not self.pipe.closed:
            if self.pipe.fileno() in self.sel.get_map():
                self.sel.unregister(self.pipe.fileno())
            self.pipe.close()
