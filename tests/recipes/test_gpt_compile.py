"""``dlfs train gpt --compile``: the same run through torch.compile (slow: a real compile)."""

from __future__ import annotations

import dataclasses
import os
import shutil

import pytest

from dlfs.models import GPTConfig
from dlfs.recipes.gpt import GPTRecipe, compile_cache_dir, train_gpt
from dlfs.recipes.sampling import SamplingConfig

TINY = dict(model=GPTConfig(n_layer=1, n_head=2, n_embd=32, block_size=16), batch_size=8,
            eval_batches=2, sample=SamplingConfig(tokens=0), warmup_steps=5, max_steps=20,
            eval_every=10)


def test_the_compile_cache_sits_beside_the_run_directory(tmp_path):
    recipe = GPTRecipe(out_dir=str(tmp_path / "runs" / "gpt"))
    assert compile_cache_dir(recipe) == tmp_path / "runs" / "compile-cache"
    assert GPTRecipe().compile is False


def test_compile_without_a_cpp_compiler_is_refused_before_anything_is_written(
        tmp_path, monkeypatch, capsys):
    from dlfs.cli import main

    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tmp_path / "run"
    assert main(["train", "gpt", "--quick", "--compile", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--compile needs a C++ compiler" in err and "g++, c++, clang++" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.slow
def test_compiled_training_gives_the_eager_losses(tmp_path, monkeypatch):
    if shutil.which(os.environ.get("CXX", "g++")) is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler: TorchInductor cannot build its CPU kernels")
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "elsewhere"))
    text = tmp_path / "abc.txt"
    text.write_text("abcd efgh. " * 400)
    eager = GPTRecipe(data=str(text), out_dir=str(tmp_path / "runs" / "eager"), **TINY)
    compiled = dataclasses.replace(eager, out_dir=str(tmp_path / "runs" / "compiled"),
                                   compile=True)
    a, b = train_gpt(eager), train_gpt(compiled)
    assert any(compile_cache_dir(compiled).iterdir())            # kernels went there
    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(tmp_path / "elsewhere")  # restored
    assert [e[0] for e in b.evals] == [10, 20]
    for (_, train_a, val_a), (_, train_b, val_b) in zip(a.evals, b.evals):
        assert train_b == pytest.approx(train_a, abs=1e-4)      # float rounding only
        assert val_b == pytest.approx(val_a, abs=1e-4)
