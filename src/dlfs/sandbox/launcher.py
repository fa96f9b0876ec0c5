"""The sandbox's first process: it applies the limits, runs the command and watches its tree.

:func:`dlfs.sandbox.run` starts it as ``python -I -S -c <this file's source> CONFIG -- ARGV``,
so it imports only a few quick modules of the standard library (inside bubblewrap the dlfs
sources are not even visible). It

1. forks the command; the child applies the resource limits (``RLIMIT_AS``, ``RLIMIT_CPU``,
   ``RLIMIT_FSIZE``, ``RLIMIT_NPROC``, no core files), switches to the run's own user id
   where one is given, forbids new privileges (no set-uid programs) and ``exec``\\s;
2. every ``scan_s`` seconds reads ``/proc`` and sums the resident memory and counts the
   processes of the whole tree below itself; past the memory total, the process count or
   the wall-clock limit it kills the tree;
3. when the command ends, kills whatever the command left behind (a background child, a
   daemon that called ``setsid``: the launcher is PID 1 of a PID namespace inside
   bubblewrap, and a *child subreaper* outside it, so orphans are re-parented to it and
   stay in its tree), reaps everything, and writes one report line to ``status_fd``.

The same process-table helpers are used by the parent to stop a run from outside.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time

try:  # the C module: ``signal`` imports enum, functools, collections (~10 ms per run)
    import _signal as signal
except ImportError:  # pragma: no cover - not CPython
    import signal

PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PAGE = os.sysconf("SC_PAGE_SIZE")
LINUX = sys.platform.startswith("linux")


def encode(values: dict) -> str:
    """``{"a": 1, "b": None}`` -> ``"a=1 b=None"``: the launcher's config and report format
    (numbers, ``None`` and plain words; no json, which is slow to import)."""
    return " ".join(f"{key}={value}" for key, value in values.items())


def decode(text: str) -> dict:
    """The inverse of :func:`encode`."""
    out: dict = {}
    for item in text.split():
        key, _, value = item.partition("=")
        for kind in (int, float):
            try:
                out[key] = kind(value)
                break
            except ValueError:
                continue
        else:
            out[key] = None if value == "None" else value
    return out


def process_table() -> dict[int, tuple[int, str, int]]:
    """Every visible process: ``pid -> (parent pid, state letter, resident bytes)``; empty
    where there is no ``/proc`` (macOS: no memory total, no process count there)."""
    table: dict[int, tuple[int, str, int]] = {}
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # exited while we looked
            continue
        fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (comm) "
        table[int(name)] = (int(fields[1]), fields[0].decode(), int(fields[21]) * PAGE)
    return table


def descendants(root: int, table: dict[int, tuple[int, str, int]]) -> list[int]:
    """The pids below ``root`` in ``table`` (children, their children, ...), zombies included."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def kill_tree(root: int, reap: Reaper | None = None, pause_s: float = 0.002) -> None:
    """SIGKILL every live process below ``root`` until none is left; orphans come back to
    ``root`` when it is a subreaper or PID 1. ``reap`` (when ``root`` is this process)
    collects the zombies on the way."""
    while True:
        if reap is not None:
            reap()
        table = process_table()
        alive = [p for p in descendants(root, table) if table[p][1] != "Z"]
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(pause_s)


class Reaper:
    """Collects finished children: the wait status of ``main`` and everybody's CPU time."""

    def __init__(self, main: int) -> None:
        self.main, self.status, self.cpu = main, None, 0.0

    def __call__(self) -> None:
        while True:
            try:
                pid, wstatus, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.cpu += usage.ru_utime + usage.ru_stime
            if pid == self.main:
                self.status = wstatus


def _prctl(option: int, value: int) -> None:
    if not LINUX:
        return
    import ctypes  # here, not on top: only needed outside bubblewrap, and slow to import

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a resource limit (never above a hard limit already in place)."""
    hard = soft if hard is None else hard
    _, old_hard = resource.getrlimit(which)
    if old_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, old_hard), min(hard, old_hard)
    try:
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        if LINUX:  # elsewhere some limits do not exist (RLIMIT_AS on macOS)
            raise


def _child(cfg: dict, argv: list[str]) -> None:
    """In the forked child: limits, user id, no new privileges, then exec (never returns)."""
    try:
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd > 2:  # the status pipe and anything else inherited
                try:
                    os.close(fd)
                except OSError:
                    pass
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores them; exec keeps that
            signal.signal(sig, signal.SIG_DFL)
        limits = cfg
        cpu = math.ceil(limits["cpu_s"])
        _limit(resource.RLIMIT_CORE, 0, 0)
        _limit(resource.RLIMIT_CPU, cpu, cpu + 1)
        _limit(resource.RLIMIT_AS, limits["memory_bytes"])
        _limit(resource.RLIMIT_FSIZE, limits["file_bytes"])
        if cfg["nproc"] is not None:
            _limit(resource.RLIMIT_NPROC, cfg["nproc"])
        if cfg["uid"] is not None:
            os.setgroups([])
            os.setgid(cfg["uid"])
            os.setuid(cfg["uid"])
        if not cfg["isolated"]:  # bubblewrap has set it already
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.execvp(argv[0], argv)
    except BaseException as exc:  # noqa: BLE001 - report anything, then leave
        os.write(2, f"sandbox: cannot start {argv[0]}: {exc}\n".encode())
    os._exit(127)


def _usage(table: dict[int, tuple[int, str, int]]) -> tuple[int, int]:
    """(resident bytes, live process count) of the tree below this process."""
    pids = [p for p in descendants(os.getpid(), table) if table[p][1] != "Z"]
    return sum(table[p][2] for p in pids), len(pids)


def _watch(cfg: dict, reap: Reaper, start: float) -> dict:
    """Wait for the command, checking wall time, memory and process count of the tree."""
    limits = cfg
    state = {"limit": None, "memory_peak": 0, "processes_peak": 0}
    deadline, next_scan = start + limits["wall_s"], 0.0
    while True:
        reap()
        now = time.monotonic()
        ended = reap.status is not None
        if not ended and now >= deadline:
            state["limit"] = "wall"
            break
        # One last scan when the command ends: what it left running (orphans stay in our
        # tree) counts too, even when the command exits before the first periodic scan.
        if ended or now >= next_scan:
            memory, count = _usage(process_table())
            state["memory_peak"] = max(state["memory_peak"], memory)
            state["processes_peak"] = max(state["processes_peak"], count)
            if memory > limits["memory_bytes"]:
                state["limit"] = "memory"
            elif count > limits["processes"]:
                state["limit"] = "processes"
            if state["limit"] or ended:
                break
            next_scan = now + cfg["scan_s"]
        _nap(max(0.0, min(0.01, deadline - now)))
    state["seconds"] = time.monotonic() - start
    return state


def _nap(seconds: float) -> None:
    """Sleep until a child changes state or ``seconds`` pass."""
    if hasattr(signal, "sigtimedwait"):
        signal.sigtimedwait([signal.SIGCHLD], seconds)
    else:  # macOS
        time.sleep(min(seconds, 0.005))


def _report(state: dict, reap: Reaper, cfg: dict) -> dict:
    """The status line: exit code or signal, and the limit that ended the run, if any."""
    wstatus, limit = reap.status, state["limit"]
    code = sig = None
    if wstatus is not None:
        if os.WIFSIGNALED(wstatus):
            sig = os.WTERMSIG(wstatus)
        else:
            code = os.WEXITSTATUS(wstatus)
    if limit is None and sig == signal.SIGXCPU:
        limit = "cpu"
    elif limit is None and sig == signal.SIGXFSZ:
        limit = "file_size"
    elif limit is None and sig == signal.SIGKILL and reap.cpu >= cfg["cpu_s"]:
        limit = "cpu"  # the hard RLIMIT_CPU, one second after the soft one
    return {"exit": code, "signal": sig, "limit": limit, "seconds": state["seconds"],
            "cpu_seconds": reap.cpu, "memory_peak": state["memory_peak"],
            "processes_peak": state["processes_peak"]}


def main(args: list[str]) -> int:
    """``CONFIG -- ARGV...``: run ARGV under the limits (``CONFIG`` in :func:`encode` form:
    ``wall_s``, ``cpu_s``, ``memory_bytes`` ..., ``isolated``, ``uid``, ``nproc``,
    ``status_fd``, ``scan_s``), report on ``status_fd``."""
    cfg, argv = decode(args[0]), args[2:]
    if not cfg["isolated"]:  # outside bubblewrap's PID namespace: keep orphans in our tree
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        _child(cfg, argv)
    reap = Reaper(pid)
    state = _watch(cfg, reap, start)
    kill_tree(os.getpid(), reap)
    reap()
    report = _report(state, reap, cfg)
    os.write(cfg["status_fd"], (encode(report) + "\n").encode())
    return report["exit"] if report["exit"] is not None else 128 + (report["signal"] or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
