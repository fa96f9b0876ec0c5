"""The file-system, network and PID isolation of a run: a bubblewrap (``bwrap``) command line.

Inside, the command sees

* the system's programs and libraries (:data:`SYSTEM_PATHS`) and the Python interpreter's
  own prefix, read-only, plus any ``readable`` paths the caller adds;
* its run directory at :data:`WORKDIR` (writable, also ``HOME``), an empty private ``/tmp``
  and ``/dev/shm`` (memory file systems, each capped at the file-size limit), a minimal
  read-only ``/dev`` and its own ``/proc``;
* nothing else: no home directories, no project tree, no ``/etc/passwd``, and the
  ``hidden`` directories (the judge hides every ``site-packages`` and the dlfs package)
  replaced by empty ones;
* no network (its own empty network namespace), its own PID namespace in which the
  launcher is PID 1 (when it ends, the kernel kills every process left inside), its own
  session (no terminal to type into).

Run as root, bwrap keeps only the capabilities the launcher needs to switch the command
to a throw-away user id; run as a normal user, bwrap makes a user namespace instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from ..i18n import t
from .python import python_executable, python_paths

#: Directories and files of the operating system made visible (read-only) where they exist.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
                "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/alternatives")
#: Where the run directory appears inside the sandbox.
WORKDIR = "/sandbox"
_ROOT_CAPS = ("--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
              "--cap-add", "CAP_KILL")

INSTALL_HINT = "apt-get install bubblewrap"


def _inside(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _parents(path: str, made: set[str], bound: Sequence[str]) -> list[str]:
    """``--dir`` arguments for the missing parents of ``path``, mode 0755, so that the
    sandbox's user can walk to it even where a parent (``/root``) is private outside."""
    chain, parent = [], os.path.dirname(path)
    while parent != "/" and parent not in made and not _inside(parent, bound):
        chain.append(parent)
        parent = os.path.dirname(parent)
    made.update(chain)
    return [arg for d in reversed(chain) for arg in ("--perms", "0755", "--dir", d)]


def _mount_args(readable: Sequence[str]) -> tuple[list[str], list[str]]:
    """``--ro-bind``/``--symlink`` arguments for the visible paths, and the bound roots."""
    args: list[str] = []
    bound: list[str] = []
    made = {"/dev", "/dev/shm", "/proc", "/tmp"}  # mounted before these arguments
    wanted = [os.path.realpath(p) for p in (*SYSTEM_PATHS, *python_paths(), *readable)]
    for real in sorted({p for p in wanted if os.path.exists(p)}, key=len):
        if not _inside(real, bound):
            args += [*_parents(real, made, bound), "--ro-bind", real, real]
            bound.append(real)
    for path in SYSTEM_PATHS:  # /bin -> usr/bin and the like, as on the host
        if os.path.islink(path) and not _inside(path, bound):
            args += [*_parents(path, made, bound), "--symlink", os.readlink(path), path]
    return args, bound


def bwrap_command(run_dir: str, *, readable: Sequence[str] = (), hidden: Sequence[str] = (),
                  tmp_bytes: int, info_fd: int) -> list[str]:
    """The ``bwrap …`` prefix that runs a command in the sandbox described above."""
    if os.geteuid() == 0:
        spaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                  "--unshare-cgroup-try", *_ROOT_CAPS]
    else:
        spaces = ["--unshare-all"]
    mounts, bound = _mount_args(readable)
    hide = []
    for path in sorted({os.path.realpath(h) for h in hidden}):
        if os.path.isdir(path) and _inside(path, bound):
            hide += ["--tmpfs", path]
    size = str(max(tmp_bytes, 4096))
    return ["bwrap", "--die-with-parent", "--as-pid-1", "--new-session", *spaces,
            "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm",
            "--proc", "/proc", "--perms", "1777", "--size", size, "--tmpfs", "/tmp", *mounts,
            "--bind", run_dir, WORKDIR, *hide, "--remount-ro", "/dev", "--remount-ro", "/",
            "--chdir", WORKDIR, "--info-fd", str(info_fd), "--"]


@dataclass(frozen=True)
class Isolation:
    """Whether runs are isolated with bubblewrap here; ``note`` says why not."""

    available: bool
    note: str = ""


@functools.lru_cache(maxsize=1)
def _probe() -> tuple[bool, str | None]:
    """Once per process: ``(True, None)`` when bubblewrap makes our sandbox here, else
    ``(False, None)`` when it is not installed or ``(False, reason)`` when it fails."""
    if not sys.platform.startswith("linux") or shutil.which("bwrap") is None:
        return False, None
    r, w = os.pipe()
    try:
        with tempfile.TemporaryDirectory(prefix="dlfs-sandbox-probe-") as tmp:
            cmd = bwrap_command(tmp, tmp_bytes=4096, info_fd=w)
            proc = subprocess.run([*cmd, python_executable(), "-I", "-S", "-c", "pass"],
                                  capture_output=True, pass_fds=(w,), timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    finally:
        os.close(r)
        os.close(w)
    if proc.returncode != 0:
        return False, (proc.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
    return True, None


def isolation() -> Isolation:
    """Is ``bwrap`` installed, and can it make our sandbox here? (probed once per process;
    the note is in the current language)."""
    available, reason = _probe()
    if available:
        return Isolation(True)
    if reason is None:
        return Isolation(False, t("library.sandbox.bwrap_missing", hint=INSTALL_HINT))
    return Isolation(False, t("library.sandbox.bwrap_broken", reason=reason))


isolation.cache_clear = _probe.cache_clear  # type: ignore[attr-defined]
