"""What a sandboxed run may use (:class:`Limits`) and what it did (:class:`RunResult`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

MiB = 1024 * 1024

#: The limit names :attr:`RunResult.limit_hit` can hold.
LIMIT_NAMES = ("wall", "cpu", "memory", "processes", "output", "file_size")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run; every field is enforced for the whole process tree.

    Attributes:
        wall_s: wall-clock seconds of the command (the sandbox's own start-up not counted).
        cpu_s: CPU seconds per process (``RLIMIT_CPU``, rounded up to whole seconds);
            ``None`` means ``wall_s``.
        memory_bytes: address space of each process (``RLIMIT_AS``) and resident memory of
            all processes together (summed from ``/proc`` every few milliseconds).
        processes: processes (and threads) the command may have at once (``RLIMIT_NPROC``
            in a fresh user id or user namespace, and a count of the tree as a backstop).
        file_bytes: size of any file the command writes (``RLIMIT_FSIZE``); also the size
            of its private ``/tmp`` under bubblewrap.
        output_bytes: bytes the command may write to stdout, and to stderr; more ends the run.
    """

    wall_s: float = 10.0
    cpu_s: float | None = None
    memory_bytes: int = 512 * MiB
    processes: int = 16
    file_bytes: int = 16 * MiB
    output_bytes: int = 16 * MiB

    def __post_init__(self) -> None:
        for name in ("wall_s", "cpu_s"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"Limits.{name} must be a finite number > 0, got {value!r}")
        minimum = {"memory_bytes": 16 * MiB, "processes": 1, "file_bytes": 0,
                   "output_bytes": 1}
        for name, low in minimum.items():
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise ValueError(f"Limits.{name} must be an integer >= {low}, got {value!r}")

    def as_dict(self) -> dict:
        """Plain data for the launcher, with ``cpu_s`` filled in."""
        out = asdict(self)
        out["cpu_s"] = self.wall_s if self.cpu_s is None else self.cpu_s
        return out


@dataclass(frozen=True)
class RunResult:
    """What one sandboxed run did.

    Attributes:
        returncode: the command's exit status, or ``-N`` if signal N ended it.
        stdout: what it wrote to stdout, at most ``Limits.output_bytes``.
        stderr: the last bytes it wrote to stderr (at most :data:`STDERR_TAIL`).
        seconds: wall-clock seconds of the command.
        cpu_seconds: CPU seconds of every process of the tree.
        memory_peak: the largest resident memory of the tree seen, bytes.
        processes_peak: the most processes of the tree seen at once.
        limit_hit: the limit that ended the run (one of :data:`LIMIT_NAMES`), or ``None``.
        isolated: ``True`` when it ran inside bubblewrap (own file system view, no network).
    """

    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float
    cpu_seconds: float = 0.0
    memory_peak: int = 0
    processes_peak: int = 0
    limit_hit: str | None = None
    isolated: bool = False

    @property
    def ok(self) -> bool:
        """Exited with status 0 within every limit."""
        return self.returncode == 0 and self.limit_hit is None


#: How much of stderr a :class:`RunResult` keeps (its end, where tracebacks are).
STDERR_TAIL = 64 * 1024
