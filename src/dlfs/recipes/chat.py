"""`dlfs chat --run DIR [--once "question"]`: talk to an instruction-tuned run.

A run of ``dlfs train sft`` or ``dlfs train dpo`` is a directory with ``run.json`` (``kind``
"sft" or "dpo", the GPT's config, the chat tokenizer) and ``checkpoints/``.
:func:`load_chat_run` rebuilds the :class:`dlfs.models.chat.ChatModel` from the newest good
checkpoint; :func:`chat_main` answers one question (``--once``) or reads questions from
standard input until an empty line or end of input. Each question is its own conversation:
the model's context (64 tokens by default) holds one turn.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import DlfsError
from ..i18n import t

__all__ = ["CHAT_KINDS", "chat_main", "load_chat_run", "read_chat_info"]

#: the recipes whose runs ``dlfs chat`` talks to
CHAT_KINDS = ("sft", "dpo")


def read_chat_info(run_dir: str | Path, kinds: Sequence[str] = CHAT_KINDS) -> dict[str, Any]:
    """The checked ``run.json`` of an instruction-tuned run: a :class:`DlfsError` says when it
    is missing, unreadable, of another kind (e.g. a ``dlfs train gpt`` run), or incomplete."""
    run_dir = Path(run_dir)
    wanted = t("recipes.word.or").join(f"`dlfs train {k}`" for k in kinds)
    info_file = run_dir / "run.json"
    if not run_dir.is_dir():
        raise DlfsError(t("recipes.chat.no_dir", run_dir=run_dir, wanted=wanted))
    if not info_file.is_file():
        raise DlfsError(t("recipes.chat.no_run_json", run_dir=run_dir, wanted=wanted))
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DlfsError(t("recipes.run.damaged", file=info_file, exc=exc)) from exc
    kind = info.get("kind", "gpt") if isinstance(info, dict) else None
    if kind not in kinds:
        raise DlfsError(t("recipes.chat.wrong_kind", run_dir=run_dir, kind=kind,
                          wanted=wanted))
    missing = [k for k in ("recipe", "model", "tokenizer", "instructions")
               if not isinstance(info.get(k), dict)]
    if missing:
        raise DlfsError(t("recipes.chat.lacks", file=info_file, missing=", ".join(missing)))
    return info


def load_chat_run(run_dir: str | Path, kinds: Sequence[str] = CHAT_KINDS) -> tuple[Any, dict]:
    """(:class:`~dlfs.models.chat.ChatModel`, ``run.json``) of an sft/dpo run, with the
    weights of its newest good checkpoint."""
    from ..data.text.instructions import ChatTokenizer
    from ..models import GPT, GPTConfig
    from ..models.chat import ChatModel
    from ..train import CheckpointManager
    from .resume import check_state_shapes

    run_dir = Path(run_dir)
    info = read_chat_info(run_dir, kinds)
    try:
        tokenizer = ChatTokenizer.from_dict(info["tokenizer"])
        model = GPT(GPTConfig(**info["model"]))
    except (TypeError, ValueError, KeyError) as exc:
        raise DlfsError(t("recipes.chat.no_build", file=run_dir / "run.json",
                          error=type(exc).__name__, exc=exc)) from exc
    path, payload, problems = CheckpointManager(run_dir / "checkpoints").load_latest()
    if payload is None:
        found = t("recipes.run.found", problems="; ".join(problems)) if problems else ""
        raise DlfsError(t("recipes.chat.no_checkpoint", folder=run_dir / "checkpoints",
                          found=found))
    check_state_shapes(model, payload["model"], path, hint=t("recipes.run.json_mismatch"))
    model.load_state_dict(payload["model"])
    model.eval()
    return ChatModel(model, tokenizer), info


def _reply(chat: Any, question: str) -> str:
    """The model's answer; a question it cannot read is a :class:`DlfsError`."""
    question = question.strip()
    if not question:
        raise DlfsError(t("recipes.chat.empty_question"))
    try:
        return chat.answer(question, max_new_tokens=32)
    except ValueError as exc:                      # unknown character, too long, a special
        raise DlfsError(t("recipes.chat.unreadable", exc=exc)) from exc


def chat_main(run_dir: Path, once: str | None, *, stdin: TextIO | None = None,
              stdout: TextIO | None = None) -> int:
    """`dlfs chat`: print the answer to ``once``; or, when ``once`` is None, answer each line
    of ``stdin`` (default: the terminal) until an empty line or the end of input. A question
    the model cannot read ends ``--once`` with a :class:`DlfsError`; at the prompt it is
    reported and the loop goes on."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    chat, info = load_chat_run(run_dir)
    if once is not None:
        print(_reply(chat, once), file=stdout, flush=True)
        return 0
    interactive = stdin.isatty()
    print(t("recipes.chat.intro", kind=info["kind"], run_dir=run_dir), file=stdout,
          flush=True)
    while True:
        if interactive:
            print(t("recipes.chat.you"), end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line or not line.strip():
            return 0
        try:
            print(t("recipes.chat.model", reply=_reply(chat, line)), file=stdout, flush=True)
        except DlfsError as exc:
            print(t("recipes.chat.model_error", exc=exc), file=stdout, flush=True)
