"""The CUDA code paths of dlfs, run once on a machine with a GPU: ``python scripts/gpu_check.py``.

The test suite runs on CPUs (CI has no GPU); this script is the one place the GPU paths run:

1. ``fit(amp="fp16")`` on CUDA: float16 autocast with torch's GradScaler (and bf16 autocast);
2. the GPT from scratch and with ``fused=True`` (torch's SDPA / LayerNorm / GELU kernels) on
   CUDA: same logits and gradients as on the CPU, and fp16 + GradScaler training steps;
3. a process group on the NCCL backend (one process, as one GPU allows): ``init_from_env``,
   torch's DistributedDataParallel, ``all_reduce_gradients`` and ``SyncBatchNorm`` on CUDA
   tensors;
4. memory measurement, RNG state and gradient checkpointing on CUDA.

Each check prints one line; the script exits 1 when one fails, 0 with a note without CUDA.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

import torch
from torch import nn

RESULTS: list[tuple[str, bool, str]] = []


def check(name):
    """Run the decorated function now, as one named check: one line, ok or FAIL (a failure
    is reported and the next check still runs)."""
    def run(fn):
        start = time.perf_counter()
        try:
            ok, detail = True, fn() or ""
        except Exception:  # noqa: BLE001 — report every failure, then go on
            ok, detail = False, traceback.format_exc(limit=4)
        RESULTS.append((name, ok, detail))
        print(f"[{'ok' if ok else 'FAIL'}] {name} ({time.perf_counter() - start:.1f} s) {detail}",
              flush=True)
        return fn
    return run


def tiny_regression(device: str):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 8, generator=g)
    y = x @ torch.randn(8, 1, generator=g) + 0.1 * torch.randn(256, 1, generator=g)
    return [(x[i:i + 32].to(device), y[i:i + 32].to(device)) for i in range(0, 256, 32)]


def main() -> int:
    if not torch.cuda.is_available():
        print("gpu_check: torch.cuda.is_available() is False here: nothing to check "
              f"(torch {torch.__version__})")
        return 0
    from dlfs.train import fit

    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
          f"{torch.cuda.get_device_name(0)}", flush=True)

    @check("fit amp=fp16: float16 autocast + torch GradScaler on CUDA")
    def _():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1)).cuda()
        seen = []
        model[0].register_forward_hook(lambda m, i, o: seen.append(o.dtype))
        from dlfs.train import Callback

        class Spy(Callback):
            def on_train_begin(self, trainer):
                seen.append(type(trainer.scaler).__name__)

        hist = fit(model, tiny_regression("cuda"), loss_fn=nn.functional.mse_loss,
                   optimizer=torch.optim.SGD(model.parameters(), lr=0.05), epochs=10,
                   amp="fp16", device="cuda", callbacks=[Spy()])
        assert seen[0] == "GradScaler", seen[:2]
        assert torch.float16 in seen, seen[:3]
        first, last = hist.step_loss[0], hist.step_loss[-1]
        assert last < 0.5 * first, (first, last)
        return f"loss {first:.3f} -> {last:.3f}"

    @check("fit amp=bf16 on CUDA (no scaler)")
    def _():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1)).cuda()
        hist = fit(model, tiny_regression("cuda"), loss_fn=nn.functional.mse_loss,
                   optimizer=torch.optim.SGD(model.parameters(), lr=0.05), epochs=10,
                   amp="bf16", device="cuda")
        assert hist.step_loss[-1] < 0.5 * hist.step_loss[0]
        return f"loss {hist.step_loss[0]:.3f} -> {hist.step_loss[-1]:.3f}"

    from dlfs.models.gpt import GPT, GPTConfig

    def gpt_pair():
        cfg = dict(vocab_size=97, block_size=64, n_layer=2, n_head=4, n_embd=128, bias=False)
        torch.manual_seed(0)
        scratch = GPT(GPTConfig(**cfg))
        fused = GPT(GPTConfig(**cfg, fused=True))
        fused.load_state_dict(scratch.state_dict())
        idx = torch.randint(0, 97, (8, 64), generator=torch.Generator().manual_seed(1))
        tgt = torch.randint(0, 97, (8, 64), generator=torch.Generator().manual_seed(2))
        return scratch, fused, idx, tgt

    def logits_and_grads(model, idx, tgt):
        model.zero_grad(set_to_none=True)
        logits, loss = model(idx, tgt)
        loss.backward()
        return logits.detach().cpu(), {n: p.grad.detach().cpu()
                                       for n, p in model.named_parameters()}

    @check("GPT from scratch and fused on CUDA: logits and gradients equal the CPU's")
    def _():
        scratch, fused, idx, tgt = gpt_pair()
        ref_logits, ref_grads = logits_and_grads(scratch, idx, tgt)
        worst = 0.0
        for model in (scratch.cuda(), fused.cuda()):
            logits, grads = logits_and_grads(model, idx.cuda(), tgt.cuda())
            worst = max(worst, (logits - ref_logits).abs().max().item())
            for name, g in grads.items():
                worst = max(worst, (g - ref_grads[name]).abs().max().item())
        # TF32 is off by default for matmuls in torch; float32 on both sides
        assert worst < 2e-4, worst
        return f"largest difference {worst:.1e}"

    @check("GPT fp16 autocast + GradScaler on CUDA: from scratch and fused train")
    def _():
        out = []
        for which in ("scratch", "fused"):
            scratch, fused, idx, tgt = gpt_pair()
            model = (scratch if which == "scratch" else fused).cuda()
            opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
            scaler = torch.amp.GradScaler("cuda")
            losses = []
            for _ in range(30):
                with torch.autocast("cuda", dtype=torch.float16):
                    _, loss = model(idx.cuda(), tgt.cuda())
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(opt)
                scaler.update()
                losses.append(loss.item())
            assert losses[-1] < 0.5 * losses[0], losses[::10]
            out.append(f"{which} {losses[0]:.2f} -> {losses[-1]:.2f}")
        return ", ".join(out)

    @check("step_memory_bytes measures the CUDA peak; RNG state round-trips on CUDA")
    def _():
        from dlfs.train.memory import step_memory_bytes
        from dlfs.train.rng import capture_rng_state, restore_rng_state

        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(1024, 4096), nn.ReLU(), nn.Linear(4096, 1))
        batch = (torch.randn(512, 1024), torch.randn(512, 1))
        counted = step_memory_bytes(model, batch, nn.functional.mse_loss)   # CPU: counted
        measured = step_memory_bytes(model.cuda(), tuple(t.cuda() for t in batch),
                                     nn.functional.mse_loss)              # CUDA: measured
        # the CPU count is what the forward keeps (parameters, gradients, batch, saved
        # activations); the CUDA peak adds backward's temporaries and cuBLAS's workspace
        ratio = measured / counted
        assert counted <= measured < 4 * counted, (counted, measured)
        state = capture_rng_state()
        a = torch.rand(4, device="cuda")
        restore_rng_state(state)
        b = torch.rand(4, device="cuda")
        assert torch.equal(a, b)
        return (f"counted on CPU {counted / 2**20:.1f} MiB, measured on CUDA "
                f"{measured / 2**20:.1f} MiB (x{ratio:.2f}); CUDA RNG restored")

    @check("gradient checkpointing on CUDA (dropout RNG replayed): same gradients")
    def _():
        cfg = dict(vocab_size=97, block_size=32, n_layer=2, n_head=4, n_embd=64, dropout=0.1)
        idx = torch.randint(0, 97, (4, 32), device="cuda")
        grads = []
        for ckpt in (False, True):
            torch.manual_seed(0)
            model = GPT(GPTConfig(**cfg, grad_checkpoint=ckpt)).cuda().train()
            torch.cuda.manual_seed(5)
            _, loss = model(idx, idx)
            loss.backward()
            grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
        diff = (grads[0] - grads[1]).abs().max().item()
        assert diff < 1e-5, diff
        return f"largest difference {diff:.1e}"

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="29517", RANK="0",
                      WORLD_SIZE="1", LOCAL_RANK="0")

    @check("NCCL process group (1 process): DDP, all_reduce_gradients, SyncBatchNorm on CUDA")
    def _():
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel

        from dlfs.distributed import all_reduce_gradients, init_from_env
        from dlfs.distributed import sync_batchnorm as sbn

        # init_from_env joins a group only for 2+ processes (one GPU here): join by hand
        assert init_from_env() is False
        torch.cuda.set_device(0)
        dist.init_process_group("nccl")
        assert dist.get_backend() == "nccl", dist.get_backend()
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1)).cuda()
        ddp = DistributedDataParallel(model, device_ids=[0])
        x, y = tiny_regression("cuda")[0]
        nn.functional.mse_loss(ddp(x), y).backward()
        before = [p.grad.clone() for p in model.parameters()]
        buckets = all_reduce_gradients(model.parameters(), bucket_bytes=256)
        assert all(torch.equal(a, p.grad) for a, p in zip(before, model.parameters()))
        # SyncBatchNorm's distributed path, forced in this one-process group: its counts and
        # sums travel through NCCL as CUDA tensors; the result equals a plain BatchNorm
        sync = sbn.SyncBatchNorm(6).cuda().train()
        plain = nn.BatchNorm2d(6).cuda().train()
        inp = torch.randn(4, 6, 5, 5, device="cuda", requires_grad=True)
        real = sbn.is_distributed
        sbn.is_distributed = lambda: True
        try:
            out = sync(inp)
        finally:
            sbn.is_distributed = real
        out.square().sum().backward()
        g_sync = inp.grad.clone()
        inp.grad = None
        want = plain(inp)
        want.square().sum().backward()
        err = max((out - want).abs().max().item(), (g_sync - inp.grad).abs().max().item(),
                  (sync.running_var - plain.running_var).abs().max().item())
        assert err < 1e-4, err
        dist.destroy_process_group()
        return f"{buckets} buckets; SyncBatchNorm vs BatchNorm {err:.1e}"

    failed = [name for name, ok, _ in RESULTS if not ok]
    print(f"\n{len(RESULTS) - len(failed)} of {len(RESULTS)} GPU checks passed"
          + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
