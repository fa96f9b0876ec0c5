"""One run of a learner's solution on one input, in :mod:`dlfs.sandbox`, told as a status.

The solution runs as ``python -I <file>`` on the base interpreter, with every
``site-packages`` directory and the dlfs package hidden where bubblewrap works: the
standard library only, so the reference solutions cannot be imported. This module turns
the sandbox's :class:`~dlfs.sandbox.RunResult` into the judge's statuses and explains the
ones a learner may not expect, in English and Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import sandbox
from ..errors import DlfsError
from ..paths import PACKAGE_DIR

PROCESSES = 16  # a solution plus a few helpers (threads count too)
FILE_BYTES = 16 * sandbox.MiB
OUTPUT_SLACK = sandbox.MiB  # output may exceed twice the expected answer by this much
_MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "out of memory")
_PROCESS_SIGNS = ("BlockingIOError: [Errno 11]", "can't start new thread")  # RLIMIT_NPROC
_TAIL_LINES = 12

STDLIB_NOTE = ("the judge runs solutions with Python's standard library only: dlfs and other "
               "installed packages cannot be imported · 判题只提供 Python 标准库：解答不能导入 "
               "dlfs 或其他已安装的包")


@dataclass(frozen=True)
class RunOutcome:
    """One execution: ``status`` is ok / TLE / RE / MLE / OLE; ``seconds`` wall time of the
    solution; ``detail`` explains a non-ok status (traceback tail, the limit that was hit)."""

    status: str
    stdout: str
    stderr: str
    seconds: float
    detail: str = ""


def read_solution(path: str | Path) -> tuple[Path, bytes]:
    """The solution file's resolved path and bytes, checked: it exists, is a file, is UTF-8."""
    resolved = Path(path).resolve()
    if not resolved.exists():
        raise DlfsError(f"solution file not found: expected an existing file, got {path!s} "
                        "· 找不到解答文件")
    if not resolved.is_file():
        kind = "a directory" if resolved.is_dir() else "not a regular file"
        raise DlfsError(f"solution file: expected a Python file, got {path!s}, {kind} "
                        "· 解答路径不是文件")
    data = resolved.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DlfsError(f"solution file: expected UTF-8 text, got byte 0x{data[exc.start]:02x} "
                        f"at offset {exc.start} of {path!s} · 解答文件不是 UTF-8 编码") from None
    return resolved, data


def output_cap(expected: str) -> int:
    """Bytes of output a test allows: twice the expected answer plus :data:`OUTPUT_SLACK`."""
    return 2 * len(expected.encode()) + OUTPUT_SLACK


def run_solution(path: Path, source: bytes, inp: str, *, time_s: float, memory_mb: int,
                 output_bytes: int) -> RunOutcome:
    """Run the solution (``source``, named like ``path``) on ``inp`` in the sandbox."""
    limits = sandbox.Limits(wall_s=time_s, memory_bytes=memory_mb * sandbox.MiB,
                            processes=PROCESSES, file_bytes=FILE_BYTES,
                            output_bytes=output_bytes)
    result = sandbox.run([sandbox.python_executable(), "-I", path.name], inp.encode(),
                         limits=limits, files={path.name: source},
                         hidden=(*sandbox.site_dirs(), str(PACKAGE_DIR)))
    return classify(result, limits)


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def classify(result: sandbox.RunResult, limits: sandbox.Limits) -> RunOutcome:
    """The judge's status for a sandbox result, with a detail line for the non-ok ones."""
    out = result.stdout.decode(errors="replace")
    err = result.stderr.decode(errors="replace")
    status, note = _status(result, err, limits)
    detail = "\n".join(part for part in (note, _tail(err) if status in ("RE", "MLE") else "")
                       if part)
    return RunOutcome(status, out, err, result.seconds, detail)


def _status(result: sandbox.RunResult, err: str, limits: sandbox.Limits) -> tuple[str, str]:
    """(status, explanation) for one run."""
    hit, wall, mb = result.limit_hit, f"{limits.wall_s:g}", limits.memory_bytes // sandbox.MiB
    if hit == "wall":
        return "TLE", f"no answer within {wall} s · {wall} 秒内没有给出答案"
    if hit == "cpu":
        return "TLE", (f"a process used more than {wall} s of CPU time · "
                       f"有进程的 CPU 时间超过 {wall} 秒")
    if hit == "output":
        cap = f"{limits.output_bytes:,}"
        return "OLE", (f"more than {cap} bytes of output (twice the expected answer plus "
                       "1 MiB); print only the answer, debug output goes to stderr · "
                       f"输出超过 {cap} 字节（标准答案的两倍再加 1 MiB）；只输出答案，调试信息"
                       "请写到 stderr")
    if hit == "memory":
        return "MLE", (f"all processes together used more than {mb} MB of memory · "
                       f"所有进程合计使用的内存超过 {mb} MB")
    if result.returncode != 0 and any(s in err for s in _MEMORY_SIGNS):
        return "MLE", f"more than {mb} MB of memory (MemoryError) · 内存超过 {mb} MB（MemoryError）"
    if result.returncode == 0 and hit is None:
        return "ok", ""
    if hit == "processes" or any(sign in err for sign in _PROCESS_SIGNS):
        return "RE", (f"tried to run more than {limits.processes} processes at once · "
                      f"试图同时运行超过 {limits.processes} 个进程")
    if hit == "file_size" or "File too large" in err:
        return "RE", (f"a file grew past {limits.file_bytes // sandbox.MiB} MB · "
                      f"写出的文件超过 {limits.file_bytes // sandbox.MiB} MB")
    if "ModuleNotFoundError" in err or "No module named" in err:
        return "RE", STDLIB_NOTE
    return "RE", ""
