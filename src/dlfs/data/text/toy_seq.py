"""Two toy sequence-to-sequence tasks on digit strings: **copy** and **sort**.

    copy:  "40721" -> "40721"          sort:  "40721" -> "01247"

Sources are random digit strings of random length in ``[min_len, max_len]``, generated from
a seed, offline. Train and test sources never overlap, so the test set measures whether the
model learned the rule rather than the strings. The pairs come in the same container as the
date task (:class:`~dlfs.data.text.dates.Seq2SeqTask`: ``train``, ``test``, ``vocab``,
``batch(pairs)``), so one training loop serves all three tasks.

Copy is the easiest test of an encoder-decoder: output position t must read source position
t, so a cross-attention map should be close to the identity. Sort needs the same tokens in
another order: each output digit looks at the source positions that hold that digit.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .dates import CharVocab, Seq2SeqTask

__all__ = ["TOY_TASKS", "make_toy_task"]

DIGITS = "0123456789"

#: task name -> the target written for a source string
TOY_TASKS: dict[str, Callable[[str], str]] = {
    "copy": lambda s: s,
    "sort": lambda s: "".join(sorted(s)),
}


def make_toy_task(kind: str = "sort", n_train: int = 10_000, n_test: int = 500, *,
                  seed: int = 0, min_len: int = 3, max_len: int = 12,
                  alphabet: str = DIGITS) -> Seq2SeqTask:
    """``n_train`` + ``n_test`` distinct random sources, each paired with its target.

    >>> task = make_toy_task("sort", 50, 10, seed=1, max_len=6)
    >>> src, tgt = task.train[0]
    >>> tgt == "".join(sorted(src)), len(task.train), len(task.test)
    (True, 50, 10)
    >>> bool({s for s, _ in task.train} & {s for s, _ in task.test})
    False
    """
    if kind not in TOY_TASKS:
        raise ValueError(f"make_toy_task: unknown kind {kind!r}; known: {sorted(TOY_TASKS)}")
    if not 1 <= min_len <= max_len:
        raise ValueError(f"make_toy_task: need 1 <= min_len <= max_len, got {min_len}, "
                         f"{max_len}")
    possible = sum(len(alphabet) ** n for n in range(min_len, max_len + 1))
    if n_train + n_test > possible // 2:
        raise ValueError(f"make_toy_task: {n_train + n_test} distinct sources asked for, but "
                         f"only {possible} strings of length {min_len}..{max_len} exist")
    rng = random.Random(seed)
    sources: dict[str, None] = {}                           # insertion-ordered set
    while len(sources) < n_train + n_test:
        n = rng.randint(min_len, max_len)
        sources["".join(rng.choice(alphabet) for _ in range(n))] = None
    target = TOY_TASKS[kind]
    pairs = [(s, target(s)) for s in sources]
    return Seq2SeqTask(pairs[n_test:], pairs[:n_test], CharVocab(alphabet))
