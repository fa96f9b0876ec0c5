"""Runnable ```python blocks in the Markdown docs: find them, run them in isolation, and
compare two translations' code with the comments left out. The doc tests use it, so a
cheat sheet, the debug checklist or the interview questions cannot drift from the code.

>>> blocks = python_blocks("text\\n```python\\nx = 1  # one\\nassert x == 1\\n```\\n")
>>> blocks
['x = 1  # one\\nassert x == 1\\n']
>>> run_block(blocks[0], "example")
[]
>>> code_tokens("x = 1  # one") == code_tokens("x = 1  # 一")
True
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import tokenize
import warnings
from collections.abc import Iterator

import numpy as np
import torch

__all__ = ["FENCE", "code_tokens", "isolated_state", "python_blocks", "run_block"]

FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[str]:
    """The code of every ```python fenced block, in order."""
    return FENCE.findall(text)


@contextlib.contextmanager
def isolated_state() -> Iterator[None]:
    """Run with one torch thread (tiny tensors: extra threads only add overhead, and on a
    busy machine a lot of it) and restore the RNG states and PYTHONHASHSEED afterwards."""
    py_state, np_state = random.getstate(), np.random.get_state()
    env_hash = os.environ.get("PYTHONHASHSEED")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            torch.set_num_threads(threads)
            random.setstate(py_state)
            np.random.set_state(np_state)
            if env_hash is None:
                os.environ.pop("PYTHONHASHSEED", None)
            else:
                os.environ["PYTHONHASHSEED"] = env_hash


def run_block(code: str, label: str) -> list[warnings.WarningMessage]:
    """Execute one block in a fresh namespace with stdout captured; return the warnings it
    raised other than DeprecationWarnings (a clean block returns ``[]``)."""
    with isolated_state(), warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        exec(compile(code, f"<{label}>", "exec"), {"__name__": "__docblock__"})
    return [w for w in caught if not issubclass(w.category, DeprecationWarning)]


def code_tokens(code: str) -> list[tuple[int, str]]:
    """The tokens of a block minus comments and layout: the code a translation must keep."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    return [(tok.type, tok.string) for tok in tokenize.generate_tokens(io.StringIO(code).readline)
            if tok.type not in skip]
