"""The Python interpreter the sandbox runs, and where its packages live.

Sandboxed code runs on the *base* interpreter (outside any virtual environment) with
``-I``, so the project's virtual environment is not on its path; inside bubblewrap the
directories of :func:`site_dirs` can be hidden as well, which leaves the standard library.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig


def python_executable() -> str:
    """The real path of the base Python interpreter (outside any virtual environment)."""
    return os.path.realpath(getattr(sys, "_base_executable", "") or sys.executable)


def python_paths() -> tuple[str, ...]:
    """What the interpreter needs to start: its prefixes and its directory (real paths)."""
    paths = {os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix)}
    paths.add(os.path.dirname(python_executable()))
    return tuple(sorted(paths))


def site_dirs() -> tuple[str, ...]:
    """Every ``site-packages`` directory this interpreter or its base could import from:
    the virtual environment's, the base installation's and the user's (real paths)."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    dirs = {*site.getsitepackages(), site.getusersitepackages(),
            sysconfig.get_paths(vars=base)["purelib"], sysconfig.get_paths(vars=base)["platlib"]}
    return tuple(sorted({os.path.realpath(d) for d in dirs if os.path.isdir(d)}))
