"""Run untrusted code: one command, its stdin, limits for its whole process tree, and (with
bubblewrap) no view of the user's files and no network.

The gym's judge runs learners' solutions through it, and so will the workbench::

    from dlfs.sandbox import Limits, run
    result = run(["python3", "-I", "main.py"], b"1 2\\n", files={"main.py": source},
                 limits=Limits(wall_s=2, memory_bytes=256 * 2**20))
    result.ok, result.stdout, result.limit_hit

:func:`isolation` says whether bubblewrap works here (and, if not, a note for the user in
the chosen language). See :mod:`dlfs.sandbox.runner` for how nothing outlives a run.
"""

from .bwrap import WORKDIR, Isolation, isolation
from .limits import LIMIT_NAMES, Limits, MiB, RunResult
from .python import python_executable, site_dirs
from .runner import run

__all__ = ["LIMIT_NAMES", "WORKDIR", "Isolation", "Limits", "MiB", "RunResult", "isolation",
           "python_executable", "run", "site_dirs"]
