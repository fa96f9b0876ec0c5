"""`dlfs train gpt` and `dlfs sample`: the capstone on the command line (parse, then call
:mod:`dlfs.recipes.gpt`; all printing happens here)."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import DlfsError

# torch and the model are imported inside the commands, so that `dlfs list` stays fast.

#: `--quick`: a smoke run of the whole pipeline in seconds (what the tests use).
QUICK = {"max_steps": 30, "eval_every": 15, "eval_batches": 2, "n_layer": 2, "n_embd": 64,
         "sample_tokens": 60}


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def options_from_args(args: argparse.Namespace, mapping: Mapping[str, str] | Iterable[str],
                      quick: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The recipe fields the user set: ``quick`` when ``--quick`` was given, then every option
    that was given (an option left off is None, a flag left off is False), renamed through
    ``mapping`` (option -> field; a plain list keeps the names)."""
    pairs = mapping.items() if isinstance(mapping, Mapping) else ((a, a) for a in mapping)
    changes = dict(quick) if quick is not None and getattr(args, "quick", False) else {}
    for arg, field in pairs:
        value = getattr(args, arg, None)
        if value is not None and value is not False:
            changes[field] = value
    return changes


def _recipe_from_args(args: argparse.Namespace) -> Any:
    from .gpt import GPTRecipe

    mapping = {"steps": "max_steps", "tokenizer": "tokenizer", "data": "data", "out": "out_dir",
               "resume": "resume", "fused": "fused", "amp": "amp", "prompt": "prompt",
               "sample_tokens": "sample_tokens", "seed": "seed", "batch_size": "batch_size",
               "block_size": "block_size", "layers": "n_layer", "heads": "n_head",
               "width": "n_embd", "lr": "lr", "eval_every": "eval_every"}
    changes = options_from_args(args, mapping, QUICK)
    try:
        return dataclasses.replace(GPTRecipe(), **changes)
    except ValueError as exc:
        raise DlfsError(str(exc)) from exc


#: `dlfs train <what>` for every recipe but the GPT: module (under dlfs.recipes) and function.
OTHER_RECIPES = {
    "charrnn": ("charrnn", "cmd_train_charrnn"),
    "mnist": ("mnist", "cmd_train_mnist"),
    "finetune": ("finetune", "cmd_train_finetune"),
    "transformer": ("seq2seq_transformer", "cmd_train_transformer"),
}


_COMMON = {"quick", "seed", "lr", "batch_size"}
#: the options each recipe reads; any other option given is an error, not silently ignored
TRAIN_OPTIONS = {
    "gpt": _COMMON | {"steps", "tokenizer", "data", "out", "resume", "explain_shapes", "fused",
                      "amp", "prompt", "sample_tokens", "block_size", "layers", "heads", "width",
                      "eval_every"},
    "charrnn": _COMMON | {"cell", "steps", "data", "out", "resume", "prompt", "sample_tokens",
                          "block_size", "layers", "width", "eval_every"},
    "mnist": _COMMON | {"data", "out", "fused", "epochs"},
    "finetune": _COMMON | {"weights", "arch", "out", "epochs"},
    "transformer": _COMMON | {"task", "norm", "steps", "layers", "heads", "width", "out"},
}


def check_train_options(args: argparse.Namespace) -> None:
    """Refuse options that the chosen recipe does not read, naming the recipes that do."""
    known = set().union(*TRAIN_OPTIONS.values())       # the train options, not global ones
    extra = [name for name in known & set(vars(args))
             if getattr(args, name) not in (None, False) and name not in TRAIN_OPTIONS[args.what]]
    if extra:
        flag = "--" + extra[0].replace("_", "-")
        users = [what for what, names in TRAIN_OPTIONS.items() if extra[0] in names]
        raise DlfsError(f"dlfs train {args.what} does not take {flag} (it is an option of "
                        f"dlfs train {' / '.join(users) or '?'})")


def cmd_train(args: argparse.Namespace) -> int:
    check_train_options(args)
    if args.what in OTHER_RECIPES:
        import importlib

        module, function = OTHER_RECIPES[args.what]
        return getattr(importlib.import_module(f"{__package__}.{module}"), function)(args)
    from ..models import format_trace
    from ..train import ProgressBar
    from .gpt import build_model, prepare_text, train_gpt

    recipe = _recipe_from_args(args)
    print(f"dlfs train gpt: the from-scratch GPT on {recipe.data!r}"
          f"{' (quick smoke run)' if args.quick else ''}", flush=True)
    prepared = prepare_text(recipe)
    print(prepared.description)
    print(f"tokenizer {recipe.tokenizer}: vocabulary {prepared.tokenizer.vocab_size}; "
          f"train {len(prepared.train_ids):,} tokens, val {len(prepared.val_ids):,} tokens")
    model = build_model(recipe, prepared.tokenizer.vocab_size)
    print(f"model: {recipe.n_layer} layers, {recipe.n_head} heads, width {recipe.n_embd}, "
          f"context {recipe.block_size}: {model.num_params() / 1e6:.2f} M parameters "
          f"({'fused torch kernels' if recipe.fused else 'from-scratch layers'})")
    if args.explain_shapes:
        x = prepared.train_ids[:recipe.block_size + 1]
        rows = model.explain(x[None, :-1].repeat(2, 1), x[None, 1:].repeat(2, 1))
        print("\nEvery tensor of one forward pass (batch 2):")
        print(format_trace(rows))
        print()
    print(f"training {recipe.max_steps} steps, batch {recipe.batch_size} x {recipe.block_size} "
          f"tokens; checkpoints in {recipe.out_dir}/checkpoints, TensorBoard logs in "
          f"{recipe.out_dir}/tensorboard", flush=True)

    def report(step: int, train: float, val: float, seconds: float) -> None:
        print(f"step {step:>6}  train loss {train:.3f}  val loss {val:.3f}  "
              f"{_minutes(seconds)}", flush=True)

    # the bar draws only on a terminal, so logs and `make demo | tee` stay clean
    run = train_gpt(recipe, prepared=prepared, report=report, callbacks=[ProgressBar()])
    print(f"\ndone: val loss {run.val_loss:.3f} after {recipe.max_steps} steps; "
          f"training took {_minutes(run.seconds)}")
    print(f"--- sample (temperature {recipe.temperature}, prompt {run.prompt!r}) ---")
    print(run.sample)
    print("---")
    print("Next:")
    for command, why in [
        (f"dlfs sample --run {recipe.out_dir} --prompt 'The '", "more text from this model"),
        (f"dlfs train gpt --resume --steps {2 * recipe.max_steps}", "continue training"),
        ("dlfs run capstone-shapes", "Day 27: every tensor shape, explained"),
        ("dlfs tour", "the 60-second tour of the lessons"),
        ("dlfs list --track pytorch", "the lessons behind every piece"),
    ]:
        print(f"  {command:<44} # {why}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from .gpt import load_run, sample_text

    model, tokenizer, _ = load_run(args.run)
    text = sample_text(model, tokenizer, args.prompt, args.tokens,
                       temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                       seed=args.seed)
    print(text)
    return 0


def register(sub: Any) -> None:
    """Add `train` and `sample` to the `dlfs` sub-command parser."""
    p = sub.add_parser("train", help="train a model (the capstone: `dlfs train gpt`)",
                       description="Train a model: the capstone GPT (gpt), character RNNs "
                       "(charrnn), "
                       "a CNN on MNIST IDX files (mnist), a fine-tuned zoo CNN (finetune) or "
                       "the encoder-decoder Transformer (transformer).")
    p.set_defaults(func=cmd_train)
    p.add_argument("what", choices=["gpt", *OTHER_RECIPES], help="what to train")
    p.add_argument("--cell", choices=["rnn", "lstm", "gru", "all"],
                   help="charrnn only: the recurrent layer (default lstm)")
    p.add_argument("--task", choices=["dates", "sort", "copy"],
                   help="transformer only: the sequence-to-sequence task (default dates)")
    p.add_argument("--norm", choices=["post", "pre"],
                   help="transformer only: Post-LN (2017 paper) or Pre-LN (default pre)")
    p.add_argument("--weights", metavar="FILE",
                   help="finetune only: a torchvision-format state_dict to start from")
    p.add_argument("--arch", help="finetune only: the zoo model (default resnet18)")
    p.add_argument("--epochs", type=int, help="mnist / finetune: passes over the data")
    p.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    p.add_argument("--steps", type=int,
                   help="optimizer steps (default 3000, about 4 minutes on 2 CPU cores)")
    p.add_argument("--tokenizer", choices=["char", "bpe"], help="default char")
    p.add_argument("--data", help="gpt/charrnn: 'help' (default), 'stdlib', or a UTF-8 text "
                   "file; mnist: the folder with the four IDX files (default data/mnist)")
    p.add_argument("--out", help="run directory (default runs/gpt)")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint")
    p.add_argument("--explain-shapes", action="store_true",
                   help="print every tensor's shape in one forward pass first")
    p.add_argument("--fused", action="store_true",
                   help="gpt: torch's fused attention/LayerNorm/GELU kernels; mnist: torch's "
                   "conv kernel (for speed; the default is the from-scratch layers)")
    p.add_argument("--amp", choices=["bf16"], help="bfloat16 autocast on the CPU")
    p.add_argument("--prompt", help="text the final sample starts from")
    p.add_argument("--sample-tokens", type=int, help="tokens to sample at the end")
    p.add_argument("--seed", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--block-size", type=int)
    p.add_argument("--layers", type=int)
    p.add_argument("--heads", type=int)
    p.add_argument("--width", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--eval-every", type=int)

    p = sub.add_parser("sample", help="sample text from a trained GPT run",
                       description="Generate text from a run directory or a checkpoint file.")
    p.set_defaults(func=cmd_sample)
    p.add_argument("--run", default="runs/gpt",
                   help="run directory or checkpoint file (default runs/gpt)")
    p.add_argument("--prompt", default="The ")
    p.add_argument("--tokens", type=int, default=300)
    p.add_argument("--temperature", type=float, default=0.8, help="0 means greedy")
    p.add_argument("--top-k", type=int)
    p.add_argument("--top-p", type=float)
    p.add_argument("--seed", type=int, default=0)
