"""``dlfs board [RUN…]``: TensorBoard on the logs of one or more runs, side by side.

Every run of ``dlfs train`` keeps its TensorBoard events in ``<run>/tensorboard`` (a run with
stages or one model per variant has one per stage: ``runs/bert/pretrain/tensorboard`` …).
``dlfs board`` finds them (default: every run under ``./runs``), names each after its folder
and starts TensorBoard on all of them at once::

    tensorboard --logdir_spec gpt:runs/gpt/tensorboard,charrnn/lstm:runs/charrnn/lstm/tensorboard

through TensorBoard's Python API, printing the URL. ``--print`` prints that command instead;
when the server cannot start (TensorBoard missing, the port taken, no runs), ``dlfs board``
says why in one line, with the command to run instead, and fails with a ``DlfsError``.
``register(subparsers)`` adds the sub-command to the ``dlfs`` parser.
"""

from __future__ import annotations

import argparse
import shlex
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import DlfsError
from .i18n import t

__all__ = ["DEFAULT_PORT", "DEFAULT_ROOT", "BoardUnavailable", "board_command", "cmd_board",
           "find_logs", "logdir_spec", "register", "serve"]

DEFAULT_ROOT = "runs"
DEFAULT_PORT = 6006
LOG_FOLDER = "tensorboard"
EVENTS = "events.out.tfevents.*"


class BoardUnavailable(Exception):
    """TensorBoard's server cannot start here; the message says why."""


def _has_events(folder: Path) -> bool:
    return folder.is_dir() and any(folder.rglob(EVENTS))


def _log_folders(root: Path) -> list[Path]:
    """The TensorBoard folders of ``root``: its own ``tensorboard`` folder, ``root`` itself
    if it holds event files, else every ``tensorboard`` folder below it."""
    if _has_events(root / LOG_FOLDER):
        return [root / LOG_FOLDER]
    if any(root.glob(EVENTS)):
        return [root]
    return sorted(p for p in root.rglob(LOG_FOLDER) if _has_events(p))


def _run_name(root: Path, folder: Path, base: Path) -> str:
    run = folder.parent if folder.name == LOG_FOLDER else folder
    try:
        name = run.relative_to(base).as_posix()
    except ValueError:
        name = run.name
    if name in ("", "."):
        name = run.resolve().name or "run"
    return name.replace(",", "_").replace(":", "_")


def find_logs(runs: Sequence[str] = ()) -> list[tuple[str, Path]]:
    """``(name, tensorboard folder)`` of each run: those under the given run directories
    (or folders of runs), else under ``./runs``. Names are the run folders' paths, relative
    to ``./runs`` by default (``gpt``, ``charrnn/lstm``), else starting at the folder given;
    a :class:`DlfsError` when a folder is missing or holds no log."""
    found: list[tuple[str, Path]] = []
    if not runs:
        root = Path(DEFAULT_ROOT)
        folders = _log_folders(root) if root.is_dir() else []
        if not folders:
            raise DlfsError(t("train.board.err.no_runs", path=f"{DEFAULT_ROOT}/"))
        found = [(_run_name(root, f, root), f) for f in folders]
    for given in runs:
        root = Path(given)
        if not root.exists():
            raise DlfsError(t("train.board.err.missing", path=given))
        folders = _log_folders(root) if root.is_dir() else []
        if not folders:
            raise DlfsError(t("train.board.err.no_logs", path=given))
        found += [(_run_name(root, f, root.parent), f) for f in folders]
    names: dict[str, int] = {}
    unique = []
    for name, folder in found:
        if "," in str(folder):
            raise DlfsError(t("train.board.err.comma", path=str(folder)))
        names[name] = names.get(name, 0) + 1
        unique.append((name if names[name] == 1 else f"{name}-{names[name]}", folder))
    return unique


def logdir_spec(logs: Sequence[tuple[str, Path]]) -> str:
    """``name1:path1,name2:path2``: TensorBoard's ``--logdir_spec``.

    >>> logdir_spec([("gpt", Path("runs/gpt/tensorboard")), ("vae", Path("r/vae"))])
    'gpt:runs/gpt/tensorboard,vae:r/vae'
    """
    return ",".join(f"{name}:{folder.as_posix()}" for name, folder in logs)


def board_command(logs: Sequence[tuple[str, Path]], port: int = DEFAULT_PORT,
                  host: str | None = None) -> list[str]:
    """The ``tensorboard`` command line that shows ``logs``."""
    command = ["tensorboard", "--logdir_spec", logdir_spec(logs), "--port", str(port)]
    return command + (["--host", host] if host else [])


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def serve(logs: Sequence[tuple[str, Path]], port: int = DEFAULT_PORT,
          host: str | None = None) -> str:
    """Start TensorBoard's server on ``logs`` in this process (background threads); return
    its URL. :class:`BoardUnavailable` when it cannot start."""
    try:
        from tensorboard import program
    except ImportError as exc:
        raise BoardUnavailable(t("train.board.reason.not_installed")) from exc
    if not _port_free(host or "localhost", port):
        raise BoardUnavailable(t("train.board.reason.port_busy", port=port))
    server = program.TensorBoard()
    try:
        server.configure(argv=[None, *board_command(logs, port, host)[1:]])
        return str(server.launch())
    except Exception as exc:  # TensorBoardServerException, a bad flag, a failed bind
        raise BoardUnavailable(" ".join(str(exc).split()) or type(exc).__name__) from exc


def _wait_forever() -> None:
    while True:
        time.sleep(3600)


def cmd_board(args: argparse.Namespace, *, start: Callable[..., str] | None = None,
              wait: Callable[[], Any] | None = None) -> int:
    """``dlfs board``: find the runs, print them, then serve until Ctrl+C (or ``--print``
    the command). ``start`` and ``wait`` replace :func:`serve` and the wait (tests)."""
    from .textui import table

    start, wait = start or serve, wait or _wait_forever

    try:
        logs = find_logs(args.runs)
    except DlfsError:
        if not args.runs:
            print(t("train.board.train_first"), flush=True)
        raise
    command = shlex.join(board_command(logs, args.port, args.host))
    if args.print_only:
        print(command)
        return 0
    rows = [[t("train.board.head.run"), t("train.board.head.folder")]]
    rows += [[name, str(folder)] for name, folder in logs]
    print(t("train.board.runs", n=len(logs)))
    print("\n".join(table(rows, indent="  ")), flush=True)
    try:
        url = start(logs, args.port, args.host)
    except BoardUnavailable as exc:
        print(t("train.board.instead", command=command), flush=True)
        raise DlfsError(t("train.board.err.cannot_start", reason=str(exc))) from exc
    print(t("train.board.serving", url=url), flush=True)
    try:
        wait()
    except KeyboardInterrupt:
        print(t("train.board.stopped"))
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(t("train.board.err.port", port=text))
    return port


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``board`` to the ``dlfs`` parser."""
    p = subparsers.add_parser("board", help=t("train.board.help"),
                              description=t("train.board.description"))
    p.add_argument("runs", nargs="*", metavar="RUN", help=t("train.board.help.runs"))
    p.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=t("train.board.help.port", port=DEFAULT_PORT))
    p.add_argument("--host", default=None, help=t("train.board.help.host"))
    p.add_argument("--print", dest="print_only", action="store_true",
                   help=t("train.board.help.print"))
    p.set_defaults(func=cmd_board)
    return p
