"""Every name a module lists in ``__all__`` exists, so ``from dlfs.x import *`` works."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import dlfs

SKIP = ("dlfs.lessons", "dlfs.__main__")
MODULES = sorted(m.name for m in pkgutil.walk_packages(dlfs.__path__, "dlfs.")
                 if not m.name.startswith(SKIP))


def test_the_package_has_modules():
    assert len(MODULES) > 100 and "dlfs.attention" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name):
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists {missing}, which it does not define"
