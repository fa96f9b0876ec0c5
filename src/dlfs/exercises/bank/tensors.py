"""Exercises on tensors: devices, shapes, broadcasting, indexing, einsum, NumPy interop
(PyTorch roadmap days 1-7, book ch. 2)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ...builtin_guard import BuiltinCallError
from ...data.transforms import ToTensor as _LibraryToTensor
from ...nn.functional.embedding import one_hot as _library_one_hot
from ...tensors.einsum import einsum as _library_einsum
from ..cases import Case, assert_close, fn_case, randn, watched
from ..schema import Exercise

# ---- refusing torch functions the built-in recorder does not know ---------------------------


class _RefuseTorch(TorchFunctionMode):
    """Notes every call of a torch function whose name is in ``names`` (``torch.einsum``,
    ``Tensor.flatten``, ...), by whatever path it was reached: these are basic operations for
    the rest of the library, so the built-in recorder lets them through."""

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in self.names:
            method = getattr(func, "__qualname__", "").startswith(("Tensor.", "TensorBase."))
            label = f"torch.Tensor.{name}" if method else f"torch.{name}"
            if label not in self.calls:
                self.calls.append(label)
        return func(*args, **(kwargs or {}))


def refusing(fn: Callable[..., Any], *names: str) -> Callable[..., Any]:
    """``fn`` run so that a call of the torch functions ``names`` raises
    :class:`BuiltinCallError` (the verdict "refused")."""
    def call(*args: Any, **kwargs: Any) -> Any:
        with _RefuseTorch(frozenset(names)) as mode:
            out = fn(*args, **kwargs)
        if mode.calls:
            raise BuiltinCallError(f"calls {', '.join(mode.calls)}", mode.calls)
        return out
    return call


def _expect_raise(fn: Callable[[], Any], error: type[BaseException], what: str) -> None:
    """``fn()`` must raise ``error``; the message says what it did instead."""
    try:
        got = fn()
    except error:
        return
    except Exception as exc:
        raise AssertionError(f"{what}: raised {type(exc).__name__} ({exc}); expected "
                             f"{error.__name__}") from None
    raise AssertionError(f"{what}: returned {got!r}; expected it to raise {error.__name__}")


# ---- broadcast_shape ----------------------------------------------------------------------

_SHAPES = [((), ()), ((3,), ()), ((1,), (4,)), ((2, 1), (3,)), ((4, 1, 6), (5, 1)),
           ((8, 1, 6, 1), (7, 1, 5)), ((1, 1), (1,), (2, 1, 1)), ((0,), (1,)), ((5, 0), (1, 0))]
_BAD = [((2,), (3,)), ((2, 3), (3, 2)), ((4, 1), (2, 5, 3))]


def broadcast_shape_cases(impl):
    broadcast_shape = watched(impl)
    for shapes in _SHAPES:
        def run(shapes=shapes) -> None:
            got = broadcast_shape(*shapes)
            want = tuple(torch.broadcast_shapes(*shapes))
            if tuple(got) != want:
                raise AssertionError(f"broadcast_shape{shapes} returned {got}, expected {want}")
        yield Case(f"shapes {', '.join(map(str, shapes))}", run)
    for shapes in _BAD:
        def bad(shapes=shapes) -> None:
            try:
                got = broadcast_shape(*shapes)
            except ValueError:
                return
            raise AssertionError(f"broadcast_shape{shapes} returned {got}; these shapes cannot "
                                 "be broadcast, so it must raise ValueError")
        yield Case(f"incompatible {', '.join(map(str, shapes))} raises ValueError", bad)


def _broadcast_left_aligned(*shapes):
    """Planted bug: lines the dimensions up from the left."""
    n = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(n):
        sizes = {s[i] for s in shapes if i < len(s) and s[i] != 1}
        if len(sizes) > 1:
            raise ValueError("cannot broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _broadcast_max(*shapes):
    """Planted bug: takes the larger size instead of checking it (never raises)."""
    n = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    return tuple(max(sizes) for sizes in zip(*padded))


# ---- get_device (day 1) ---------------------------------------------------------------------


class _FakeMachine:
    """What torch says about the GPUs of a pretended machine."""

    def __init__(self, cuda: int, mps: bool) -> None:
        self.cuda, self.mps = cuda, mps

    def cuda_available(self) -> bool:
        return self.cuda > 0

    def device_count(self) -> int:
        return self.cuda

    def mps_available(self) -> bool:
        return self.mps


@contextmanager
def _machine(cuda: int = 0, mps: bool = False) -> Iterator[None]:
    """Pretend this machine has ``cuda`` CUDA GPUs and (or not) Apple's MPS."""
    fake = _FakeMachine(cuda, mps)
    saved = (torch.cuda.is_available, torch.cuda.device_count, torch.backends.mps.is_available)
    torch.cuda.is_available = fake.cuda_available
    torch.cuda.device_count = fake.device_count
    torch.backends.mps.is_available = fake.mps_available
    try:
        yield
    finally:
        (torch.cuda.is_available, torch.cuda.device_count,
         torch.backends.mps.is_available) = saved


def _machine_name(cuda: int, mps: bool) -> str:
    parts = [f"{cuda} CUDA GPU{'s' if cuda > 1 else ''}"] if cuda else []
    parts += ["MPS"] if mps else []
    return " + ".join(parts) or "CPU only"


# (CUDA GPUs, MPS available, prefer, the device expected or the error expected)
_DEVICE_CASES = [
    (0, False, None, "cpu"), (0, False, "auto", "cpu"), (0, False, "cpu", "cpu"),
    (2, False, None, "cuda"), (0, True, None, "mps"), (1, True, "auto", "cuda"),
    (2, True, "cpu", "cpu"), (2, False, "cuda:1", "cuda:1"), (1, True, "mps", "mps"),
    (0, False, "cuda", RuntimeError), (1, False, "cuda:1", RuntimeError),
    (1, False, "mps", RuntimeError), (1, False, "gpu", ValueError),
]


def get_device_cases(impl):
    get_device = watched(impl)
    for cuda, mps, prefer, want in _DEVICE_CASES:
        name = f"{_machine_name(cuda, mps)}, prefer={prefer!r}"

        def run(cuda=cuda, mps=mps, prefer=prefer, want=want) -> None:
            with _machine(cuda, mps):
                if isinstance(want, type):
                    _expect_raise(lambda: get_device(prefer), want,
                                  f"get_device({prefer!r}) on a {_machine_name(cuda, mps)} "
                                  "machine")
                    return
                got = get_device(prefer)
            if not isinstance(got, torch.device) or got != torch.device(want):
                raise AssertionError(f"get_device({prefer!r}) on a {_machine_name(cuda, mps)} "
                                     f"machine returned {got!r}, expected "
                                     f"{torch.device(want)!r}")
        yield Case(name + (f" raises {want.__name__}" if isinstance(want, type) else ""), run)


def _device_mps_first(prefer=None):
    """Planted bug: prefers Apple's MPS over CUDA."""
    if prefer in (None, "auto"):
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return _device_unchecked(prefer)


def _device_unchecked(prefer=None):
    """Planted bug: trusts the name it is given without checking the machine has it."""
    if prefer in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    try:
        return torch.device(prefer)
    except RuntimeError as exc:
        raise ValueError(str(exc)) from None


# ---- Flatten (day 2) ------------------------------------------------------------------------

_FLATTEN = [((3,), 0, -1), ((2, 3), 1, -1), ((1, 3, 4, 5), 1, -1), ((2, 3, 4, 5), 0, -1),
            ((2, 3, 4, 5), 1, 2), ((2, 3, 4, 5), -3, -2), ((2, 3, 1, 5), 2, 3),
            ((2, 3, 4), 1, 1), ((0, 3, 4), 1, -1), ((), 0, -1)]


def flatten_cases(Flatten):
    for shape, start, end in _FLATTEN:
        x = randn(*shape, seed=len(shape) + start) if shape else randn(1).reshape(())
        ours = refusing(lambda x, s=start, e=end: Flatten(s, e)(x), "flatten", "unflatten")
        yield fn_case(f"Flatten({start}, {end}), x {shape}", ours, nn.Flatten(start, end), x)


class _FlattenEndExclusive(nn.Module):
    """Planted bug: treats end_dim like a Python slice end (exclusive)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        start, end = self.start_dim % max(x.dim(), 1), self.end_dim % max(x.dim(), 1)
        shape = list(x.shape)
        merged = int(np.prod(shape[start:end])) if end > start else shape[start]
        return x.reshape(*shape[:start], merged, *shape[max(end, start + 1):])


class _FlattenToTheEnd(nn.Module):
    """Planted bug: ignores end_dim and always merges everything from start_dim on."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x):
        if x.dim() == 0:
            return x.reshape(1)
        start = self.start_dim % x.dim()
        return x.reshape(*x.shape[:start], -1)


# ---- Unflatten (day 7) ----------------------------------------------------------------------

_UNFLATTEN = [((6,), 0, (2, 3)), ((2, 12), 1, (3, 4)), ((2, 5, 12), -1, (3, -1)),
              ((1, 4, 6), -2, (4, 1)), ((2, 24), 1, (2, -1, 3)), ((2, 12, 5), 1, (2, 2, 3)),
              ((3, 8), -1, (-1,))]


def unflatten_cases(Unflatten):
    for shape, dim, sizes in _UNFLATTEN:
        x = randn(*shape, seed=len(shape) + dim)
        ours = refusing(lambda x, d=dim, s=sizes: Unflatten(d, s)(x), "flatten", "unflatten")
        yield fn_case(f"Unflatten({dim}, {sizes}), x {shape}", ours, nn.Unflatten(dim, sizes),
                      x)


class _UnflattenNoInference(nn.Module):
    """Planted bug: passes -1 on without working out the missing size first, and ignores
    that a negative dim counts from the end."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.sizes = dim, tuple(unflattened_size)

    def forward(self, x):
        return x.reshape(*x.shape[:self.dim], *self.sizes, *x.shape[self.dim + 1:])


class _UnflattenTransposed(nn.Module):
    """Planted bug: splits the dimension in the opposite order (column-major)."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.sizes = dim, list(unflattened_size)

    def forward(self, x):
        dim = self.dim % x.dim()
        sizes = self.sizes
        if -1 in sizes:
            known = int(np.prod([s for s in sizes if s != -1]))
            sizes = [x.shape[dim] // known if s == -1 else s for s in sizes]
        y = x.reshape(*x.shape[:dim], *reversed(sizes), *x.shape[dim + 1:])
        k = len(sizes)
        order = [*range(dim), *reversed(range(dim, dim + k)), *range(dim + k, y.dim())]
        return y.permute(order)


# ---- one_hot (day 4) ------------------------------------------------------------------------


def _ids(values, *shape: int) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.int64).reshape(shape or (len(values),))


# (class ids, their shape, num_classes); shape () is a 0-d tensor
_ONE_HOT = [([2], (1,), -1), ([0, 2, 1], (3,), -1), ([0, 2, 1], (3,), 5),
            ([3, 0, 3, 1, 0, 2], (2, 3), -1), ([1, 1, 4, 0], (4, 1), 6), ([2], (), 4),
            ([], (0,), 3)]


def one_hot_cases(impl):
    for values, shape, k in _ONE_HOT:
        ids = torch.tensor(values, dtype=torch.int64).reshape(shape)
        yield fn_case(f"tensor {tuple(ids.shape)} = {ids.tolist()}, num_classes={k}",
                      impl, torch.nn.functional.one_hot, ids, k, grad=False)
    one_hot = watched(impl)
    for values, k, what in [([0, -1], -1, "a negative class"),
                            ([0, 3], 3, "a class >= num_classes")]:
        ids = _ids(values, len(values))
        yield Case(f"{what}: tensor {values}, num_classes={k} raises ValueError",
                   lambda ids=ids, k=k, what=what: _expect_raise(
                       lambda: one_hot(ids, k), ValueError, f"one_hot with {what}"))


def _one_hot_float(tensor, num_classes=-1):
    """Planted bug: returns float32 ones and zeros instead of int64."""
    return _library_one_hot(tensor, num_classes).float()


def _one_hot_max_classes(tensor, num_classes=-1):
    """Planted bug: num_classes=-1 becomes max(tensor), one class short."""
    if num_classes == -1:
        num_classes = max(int(tensor.max()), 1) if tensor.numel() else 0
    if tensor.numel() and (int(tensor.min()) < 0 or int(tensor.max()) >= num_classes):
        raise ValueError("class out of range")
    return (tensor.unsqueeze(-1) == torch.arange(num_classes)).long()


# ---- einsum (day 5) -------------------------------------------------------------------------

_EINSUM = [("ij->ji", (2, 3)), ("ii->", (3, 3)), ("ii->i", (4, 4)), ("ij->j", (3, 2)),
           ("ijk->kij", (2, 3, 4)), ("i,j->ij", (3,), (4,)), ("ij,ij->", (2, 3), (2, 3)),
           ("ij,jk->ik", (2, 3), (3, 4)), ("jk,ij", (3, 4), (2, 3)),
           ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)), ("bi,bj->bij", (1, 3), (1, 2)),
           ("bhqd,bhkd->bhqk", (2, 2, 3, 4), (2, 2, 5, 4))]


def einsum_cases(impl):
    for equation, *shapes in _EINSUM:
        ops = [randn(*s, seed=i + len(equation)) for i, s in enumerate(shapes)]
        ours = refusing(lambda *xs, eq=equation: impl(eq, *xs), "einsum", "tensordot")
        yield fn_case(f"{equation!r}, operands {', '.join(map(str, shapes))}", ours,
                      lambda *xs, eq=equation: torch.einsum(eq, *xs), *ops)


def _einsum_appearance_order(equation, *operands):
    """Planted bug: an implicit output lists its letters in order of appearance, unsorted."""
    if "->" not in equation:
        letters = equation.replace(",", "")
        equation += "->" + "".join(c for c in dict.fromkeys(letters) if letters.count(c) == 1)
    return _library_einsum(equation, *operands)


def _einsum_no_diagonal(equation, *operands):
    """Planted bug: a letter repeated inside one operand is treated as two different axes."""
    spare = iter("ABCDEFGHIJ")
    lhs, arrow, rhs = equation.partition("->")
    terms = []
    for term in lhs.split(","):
        seen = ""
        for ch in term:
            seen += next(spare) if ch in seen else ch
        terms.append(seen)
    return _library_einsum(",".join(terms) + arrow + rhs, *operands)


def _einsum_inverse_permutation(equation, *operands):
    """Planted bug: moves the axes into the output order with the inverse permutation."""
    lhs, _, rhs = equation.partition("->")
    if "->" not in equation:
        return _library_einsum(equation, *operands)
    canonical = "".join(sorted(rhs))
    y = _library_einsum(f"{lhs}->{canonical}", *operands)
    return y.permute([rhs.index(c) for c in canonical])


# ---- ToTensor (day 6) -----------------------------------------------------------------------


def _image(*shape: int, dtype=np.uint8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, shape).astype(np.uint8)
    return rng.standard_normal(shape).astype(dtype)


def _expected_chw(pic: np.ndarray) -> torch.Tensor:
    """The reference answer, worked out element by element."""
    hwc = pic.reshape(*pic.shape[:2], -1)
    chw = torch.tensor(np.array([hwc[:, :, c] for c in range(hwc.shape[2])]))
    return chw.float() / 255 if pic.dtype == np.uint8 else chw


_PICS = [
    ("uint8 (1, 1, 1)", lambda: _image(1, 1, 1)),
    ("uint8 (2, 3) grayscale", lambda: _image(2, 3, seed=1)),
    ("uint8 (4, 5, 3)", lambda: _image(4, 5, 3, seed=2)),
    ("float32 (3, 2, 2): values kept", lambda: _image(3, 2, 2, dtype=np.float32, seed=3)),
    ("float64 (2, 4, 3): values and dtype kept", lambda: _image(2, 4, 3, dtype=np.float64)),
    ("int16 (3, 3, 1): not scaled", lambda: _image(3, 3, 1, seed=4).astype(np.int16)),
    ("uint8 (6, 4, 3)[::2]: not contiguous", lambda: _image(6, 4, 3, seed=5)[::2]),
    ("uint8 (4, 5, 3)[:, ::-1]: negative strides (a flipped image)",
     lambda: _image(4, 5, 3, seed=6)[:, ::-1]),
    ("float32 (3, 4)[::-1, ::-1]: negative strides",
     lambda: _image(3, 4, dtype=np.float32, seed=7)[::-1, ::-1]),
]


def to_tensor_cases(ToTensor):
    for name, make in _PICS:
        def run(make=make) -> None:
            pic = make()
            before = pic.copy()
            got = watched(ToTensor())(pic)
            want = _expected_chw(before)
            if not isinstance(got, torch.Tensor):
                raise AssertionError(f"expected a torch.Tensor, got {type(got).__name__}")
            if got.dtype != want.dtype:
                raise AssertionError(f"dtype {got.dtype}, expected {want.dtype} (uint8 becomes "
                                     "float32 in [0, 1]; other dtypes are kept)")
            assert_close(got, want, "the (C, H, W) tensor", atol=1e-6, rtol=1e-6)
            if not got.is_contiguous():
                raise AssertionError(f"the tensor is not contiguous (stride {got.stride()}); "
                                     "return a contiguous (C, H, W) tensor")
            if not np.array_equal(pic, before):
                raise AssertionError("the input array was modified")
        yield Case(name, run)
    for name, bad in [("a 1-D array raises TypeError", lambda: np.zeros(3, np.uint8)),
                      ("a list raises TypeError", lambda: [[1, 2], [3, 4]])]:
        yield Case(name, lambda bad=bad, name=name: _expect_raise(
            lambda: watched(ToTensor())(bad()), TypeError, name.split(" raises")[0]))


class _ToTensorScalesAll(_LibraryToTensor):
    """Planted bug: divides every dtype by 255, not only uint8."""

    def __call__(self, pic):
        out = super().__call__(pic)
        return out if pic.dtype == np.uint8 else out / 255


class _ToTensorReshaped(_LibraryToTensor):
    """Planted bug: reshapes (H, W, C) to (C, H, W) instead of moving the axis."""

    def __call__(self, pic):
        out = super().__call__(pic)
        hwc = out.permute(1, 2, 0).contiguous()
        return hwc.reshape(out.shape)


class _ToTensorShared:
    """Planted bug: torch.from_numpy on the transposed array (negative strides fail, the
    result is not contiguous)."""

    def __call__(self, pic):
        if not isinstance(pic, np.ndarray) or pic.ndim not in (2, 3):
            raise TypeError("expected an (H, W[, C]) array")
        hwc = pic[:, :, None] if pic.ndim == 2 else pic
        chw = torch.from_numpy(hwc.transpose(2, 0, 1))
        return chw.float().div(255) if chw.dtype == torch.uint8 else chw


EXERCISES = [
    Exercise(
        id="broadcast_shape", entry="broadcast_shape", lesson="broadcasting",
        at=("pytorch:3", "book:2"),
        title=("The shape of a broadcast", "广播后的形状"),
        task=("Return the shape that broadcasting the given shapes against each other "
              "produces, as a tuple. Align the shapes at their right end; in each dimension "
              "the sizes must be equal or 1 (a missing dimension counts as 1), and the result "
              "takes the size that is not 1. Raise ValueError when two sizes differ and neither "
              "is 1. Example: (8, 1, 6, 1) and (7, 1, 5) give (8, 7, 6, 5).",
              "返回这些形状相互广播后得到的形状（tuple）。把形状按右端对齐；"
              "每一维的大小必须相等或为 1（缺少的维度按 1 计），结果取不为 1 的那个大小。"
              "若两个大小不同且都不为 1，抛出 "
              "ValueError。例：(8, 1, 6, 1) 与 (7, 1, 5) 得到 (8, 7, 6, 5)。"),
        stub='''
            def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
                """broadcast_shape((8, 1, 6, 1), (7, 1, 5)) == (8, 7, 6, 5)"""
        ''',
        reference="dlfs.tensors.broadcast:broadcast_shape",
        extra_refused=("torch.functional",),
        cases=broadcast_shape_cases,
        mutants={"aligned from the left": _broadcast_left_aligned,
                 "takes the larger size without checking": _broadcast_max},
        hints=(("Pad every shape on the left with 1s to the longest length, then look at one "
                "dimension at a time.",
                "先在左边用 1 把每个形状补到最长的长度，再逐维比较。"),
               ("In one dimension, collect the sizes that are not 1: none means 1, one value "
                "means that value, two different values mean ValueError.",
                "在同一维里收集不为 1 的大小：没有则为 1；只有一个值就取它；有两个不同的值就抛出 "
                "ValueError。")),
    ),
    Exercise(
        id="pick_device", entry="get_device", lesson="tensor-basics", at=("pytorch:1",),
        title=("Pick the device to run on", "选择运行设备"),
        task=("Write get_device(prefer=None) -> torch.device. With prefer None or 'auto', "
              "return the best device this machine has: 'cuda' if torch.cuda.is_available(), "
              "else 'mps' if torch.backends.mps.is_available(), else 'cpu'. Otherwise prefer "
              "names a device ('cpu', 'cuda', 'cuda:1', 'mps'): return it if the machine has "
              "it. Raise ValueError for a string that is not a device name at all ('gpu'), and "
              "RuntimeError for a device the machine lacks (CUDA or MPS unavailable, or "
              "'cuda:k' with k >= torch.cuda.device_count()). Ask torch at call time: the "
              "checker pretends to be machines with and without GPUs.",
              "实现 get_device(prefer=None)，返回 torch.device。prefer 为 None 或 'auto' 时，"
              "返回本机最好的设备：torch.cuda.is_available() 为真则用 'cuda'，否则 "
              "torch.backends.mps.is_available() 为真则用 'mps'，都没有就用 'cpu'。"
              "否则 prefer 是一个设备名（'cpu'、'cuda'、'cuda:1'、'mps'）：本机有这个设备就"
              "返回它。如果字符串根本不是设备名（如 'gpu'），抛出 ValueError；如果本机没有这个"
              "设备（没有 CUDA 或 MPS，或 'cuda:k' 中 k >= torch.cuda.device_count()），抛出 "
              "RuntimeError。请在调用时再去询问 torch：检查程序会模拟有 GPU 和没有 GPU 的机器。"),
        stub='''
            def get_device(prefer: str | None = None) -> torch.device:
                """None or 'auto': the best available device; else the named one, checked."""
        ''',
        reference="dlfs.runtime.device:get_device",
        cases=get_device_cases,
        mutants={"prefers MPS over CUDA": _device_mps_first,
                 "never checks that the device exists": _device_unchecked},
        hints=(("torch.device('cuda:1') parses a name (and raises RuntimeError for a bad "
                "one); .type is 'cuda' and .index is 1.",
                "torch.device('cuda:1') 会解析设备名（名字不对时抛出 RuntimeError）；"
                "它的 .type 是 'cuda'，.index 是 1。"),
               ("Turn the RuntimeError of a bad name into ValueError (raise ValueError(...) "
                "from the except block); then check .type against the three is_available / "
                "device_count answers.",
                "在 except 里把设备名错误的 RuntimeError 换成 ValueError 抛出；"
                "再用 .type 对照三个 is_available / device_count 的结果逐一检查。")),
    ),
    Exercise(
        id="flatten_dims", entry="Flatten", lesson="reshape-view", at=("pytorch:2",),
        title=("Flatten: merge a run of dimensions", "Flatten：合并连续的几个维度"),
        task=("Write the module Flatten(start_dim=1, end_dim=-1): its forward merges the "
              "dimensions start_dim..end_dim (both included; negative values count from the "
              "end) into one whose size is their product, so (B, C, H, W) becomes "
              "(B, C*H*W) with the defaults and (2, 3, 4, 5) with (1, 2) becomes (2, 12, 5). "
              "A 0-d tensor becomes shape (1,). Use view/reshape; x.flatten and torch.flatten "
              "are refused.",
              "实现模块 Flatten(start_dim=1, end_dim=-1)：forward 把第 start_dim 到第 end_dim "
              "维（两端都包含；负数从末尾数起）合并成一维，大小为它们的乘积。默认参数下 "
              "(B, C, H, W) 变成 (B, C*H*W)；参数 (1, 2) 时 (2, 3, 4, 5) 变成 (2, 12, 5)。"
              "0 维张量变成形状 (1,)。请用 view/reshape 实现；x.flatten 和 torch.flatten "
              "会被拒绝。"),
        stub='''
            class Flatten(nn.Module):
                def __init__(self, start_dim: int = 1, end_dim: int = -1):
                    """Remember which dimensions to merge."""
                    super().__init__()

                def forward(self, input: Tensor) -> Tensor:
                    """(*a, n_start, ..., n_end, *b) -> (*a, n_start * ... * n_end, *b)"""
        ''',
        reference="dlfs.nn.flatten:Flatten",
        cases=flatten_cases,
        mutants={"end_dim exclusive like a slice": _FlattenEndExclusive,
                 "end_dim ignored": _FlattenToTheEnd},
        hints=(("Turn negative dims into positive ones first: start = start_dim % x.dim().",
                "先把负数维度换成正数：start = start_dim % x.dim()。"),
               ("The new shape is shape[:start] + (product of shape[start:end + 1],) + "
                "shape[end + 1:]; math.prod gives the product (1 for an empty run).",
                "新形状是 shape[:start] + (shape[start:end + 1] 的乘积,) + shape[end + 1:]；"
                "乘积用 math.prod。")),
    ),
    Exercise(
        id="unflatten_dim", entry="Unflatten", lesson="shape-cheatsheet", at=("pytorch:7",),
        title=("Unflatten: split one dimension (split heads)", "Unflatten：拆开一个维度（拆多头）"),
        task=("Write the module Unflatten(dim, unflattened_size): its forward splits dimension "
              "dim (negative counts from the end) into the sizes given, in row-major order, so "
              "(2, 12) with (1, (3, 4)) becomes (2, 3, 4). One size may be -1: work it out "
              "from the others. This is how attention splits (B, T, C) into heads: "
              "Unflatten(-1, (H, -1)) gives (B, T, H, C/H). Use view/reshape; x.unflatten "
              "and torch.flatten are refused.",
              "实现模块 Unflatten(dim, unflattened_size)：forward 把第 dim 维（负数从末尾数起）"
              "按行优先顺序拆成给定的几个大小，例如 (2, 12) 配 (1, (3, 4)) 得到 (2, 3, 4)。"
              "其中一个大小可以是 -1，要根据其余大小推算出来。注意力里把 (B, T, C) 拆成多头"
              "就是这样做的：Unflatten(-1, (H, -1)) 得到 (B, T, H, C/H)。请用 view/reshape "
              "实现；x.unflatten 和 torch.flatten 会被拒绝。"),
        stub='''
            class Unflatten(nn.Module):
                def __init__(self, dim: int, unflattened_size: tuple[int, ...]):
                    """Remember the dimension to split and the sizes (one may be -1)."""
                    super().__init__()

                def forward(self, input: Tensor) -> Tensor:
                    """(*a, n, *b) -> (*a, s1, ..., sk, *b) with s1 * ... * sk == n"""
        ''',
        reference="dlfs.nn.flatten:Unflatten",
        cases=unflatten_cases,
        mutants={"-1 and negative dims not resolved": _UnflattenNoInference,
                 "split in column-major order": _UnflattenTransposed},
        hints=(("dim = self.dim % x.dim(); the size hidden behind -1 is x.shape[dim] divided "
                "by the product of the other sizes.",
                "dim = self.dim % x.dim()；-1 代表的大小等于 x.shape[dim] 除以其余大小的乘积。"),
               ("Then x.reshape(*x.shape[:dim], *sizes, *x.shape[dim + 1:]).",
                "然后 x.reshape(*x.shape[:dim], *sizes, *x.shape[dim + 1:])。")),
    ),
    Exercise(
        id="one_hot_from_indices", entry="one_hot", lesson="indexing-masks", at=("pytorch:4",),
        title=("One-hot encoding from class indices", "由类别下标生成 one-hot 编码"),
        task=("Write one_hot(tensor, num_classes=-1): tensor holds int64 class indices of "
              "any shape (*); return an int64 tensor of shape (*, num_classes) with "
              "out[..., k] = 1 where tensor[...] == k and 0 elsewhere. num_classes=-1 means "
              "max(tensor) + 1 (0 for an empty tensor). Raise ValueError for a negative class "
              "or one >= num_classes.",
              "实现 one_hot(tensor, num_classes=-1)：tensor 是任意形状 (*) 的 int64 类别下标；"
              "返回形状为 (*, num_classes) 的 int64 张量，tensor[...] == k 的位置 "
              "out[..., k] = 1，其余为 0。num_classes=-1 表示取 max(tensor) + 1"
              "（空张量取 0）。类别为负数或 >= num_classes 时抛出 ValueError。"),
        stub='''
            def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
                """(*) int64 class ids -> (*, num_classes) int64 of 0s and 1s"""
        ''',
        reference="dlfs.nn.functional.embedding:one_hot",
        cases=one_hot_cases,
        mutants={"float instead of int64": _one_hot_float,
                 "num_classes=-1 gives max, one short": _one_hot_max_classes},
        hints=(("Compare every index with every class at once: tensor.unsqueeze(-1) against "
                "torch.arange(num_classes) broadcasts to (*, num_classes).",
                "一次比较所有下标和所有类别：tensor.unsqueeze(-1) 与 torch.arange(num_classes) "
                "广播成 (*, num_classes)。"),
               ("A comparison gives bool; .long() makes it int64. Check the range before, with "
                "tensor.min() and tensor.max() (only when the tensor is not empty).",
                "比较得到 bool，再用 .long() 转成 int64。事先用 tensor.min() 和 tensor.max() "
                "检查范围（张量非空时）。")),
    ),
    Exercise(
        id="einsum", entry="einsum", lesson="einsum", at=("pytorch:5",),
        title=("Einsum for one or two operands", "一到两个操作数的 einsum"),
        task=("Write einsum(equation, *operands) for one or two operands, equal to "
              "torch.einsum in value and gradient. The equation names each dimension of each "
              "operand with a letter, e.g. 'bij,bjk->bik'. A letter repeated inside one operand "
              "takes the diagonal ('ii->i'); a letter missing from the output is summed over; "
              "the output's dimensions follow the letters after '->'. Without '->' the output "
              "is every letter used exactly once, in alphabetical order ('jk,ij' means "
              "'jk,ij->ik'). Build it from diagonal, permute, reshape, matmul and sum; "
              "torch.einsum and torch.tensordot are refused.",
              "实现 einsum(equation, *operands)，支持一个或两个操作数，数值和梯度都要与 "
              "torch.einsum 相同。方程用字母给每个操作数的每一维命名，如 'bij,bjk->bik'。"
              "同一操作数里重复的字母表示取对角线（'ii->i'）；输出里没有的字母要求和；"
              "输出各维按 '->' 之后的字母排列。没有 '->' 时，输出是恰好出现一次的字母，"
              "按字母表顺序排列（'jk,ij' 即 'jk,ij->ik'）。请用 diagonal、permute、reshape、"
              "matmul 和 sum 搭建；torch.einsum 和 torch.tensordot 会被拒绝。"),
        stub='''
            def einsum(equation: str, *operands: Tensor) -> Tensor:
                """einsum('bij,bjk->bik', a, b) == a @ b; one or two operands, letters only."""
        ''',
        reference="dlfs.tensors.einsum:einsum",
        cases=einsum_cases,
        mutants={"implicit output unsorted": _einsum_appearance_order,
                 "repeated letter not a diagonal": _einsum_no_diagonal,
                 "inverse permutation of the output": _einsum_inverse_permutation},
        hints=(("First tidy each operand: take diagonals for repeated letters "
                "(torch.diagonal(x, dim1=i, dim2=j) moves the diagonal to the last axis), and "
                "sum out letters that appear nowhere else.",
                "先整理每个操作数：重复字母用 torch.diagonal(x, dim1=i, dim2=j) 取对角线"
                "（对角线会移到最后一维），只在这一处出现、输出里也没有的字母直接求和。"),
               ("For two operands sort the letters into batch (in both and in the output), "
                "contracted (in both, not in the output), only-in-A and only-in-B.",
                "两个操作数时把字母分四组：批量（两边都有且在输出里）、收缩（两边都有但不在"
                "输出里）、只在 A 里、只在 B 里。"),
               ("Permute A to (batch, A-only, contracted) and B to (batch, contracted, B-only), "
                "reshape both to 3-D, one torch.bmm, reshape back and permute to the output "
                "order.",
                "把 A 排成 (批量, 只在A, 收缩)、B 排成 (批量, 收缩, 只在B)，各自 reshape 成三维，"
                "做一次 torch.bmm，再 reshape 回去并按输出顺序 permute。")),
    ),
    Exercise(
        id="image_to_tensor", entry="ToTensor", lesson="numpy-interop", at=("pytorch:6",),
        title=("NumPy image to tensor", "NumPy 图像转张量"),
        task=("Write the transform ToTensor: calling it on a NumPy array (H, W, C) or (H, W) "
              "returns a contiguous torch tensor (C, H, W) (a 2-D array gets C = 1). uint8 "
              "arrays become float32 scaled to [0, 1] (divide by 255); other dtypes keep their "
              "dtype and values. The traps: torch.from_numpy refuses negative strides (a "
              "flipped image), moving the channel axis must not scramble pixels, and the input "
              "array must not be changed. Raise TypeError for anything that is not a 2-D or "
              "3-D array.",
              "实现变换 ToTensor：对形状为 (H, W, C) 或 (H, W) 的 NumPy 数组调用它，返回连续"
              "存储的 torch 张量 (C, H, W)（二维数组时 C = 1）。uint8 数组转成 float32 并缩放到 "
              "[0, 1]（除以 255）；其他 dtype 保持原来的 dtype 和数值。几个陷阱："
              "torch.from_numpy 不接受负步长（翻转过的图像）；移动通道维时不能把像素打乱；"
              "不能修改输入数组。输入不是二维或三维数组时抛出 TypeError。"),
        stub='''
            class ToTensor:
                def __call__(self, pic: np.ndarray) -> Tensor:
                    """(H, W, C) or (H, W) array -> contiguous (C, H, W) tensor"""
        ''',
        imports=("import numpy as np",),
        reference="dlfs.data.transforms:ToTensor",
        cases=to_tensor_cases,
        mutants={"scales every dtype": _ToTensorScalesAll,
                 "reshape instead of moving the axis": _ToTensorReshaped,
                 "from_numpy on the strided view": _ToTensorShared},
        hints=(("pic.transpose(2, 0, 1) moves the channel axis first without moving data; "
                "reshape would regroup the numbers instead.",
                "pic.transpose(2, 0, 1) 把通道维移到最前面，数据本身不动；reshape 则会把数字"
                "重新分组，打乱像素。"),
               ("np.ascontiguousarray makes a fresh C-ordered copy when it has to (negative or "
                "permuted strides); torch.from_numpy then accepts it. For uint8 finish with "
                ".float().div(255).",
                "np.ascontiguousarray 在需要时（负步长、轴被换过）复制出按 C 顺序存放的新数组，"
                "这样 torch.from_numpy 就能接受。uint8 最后再 .float().div(255)。")),
    ),
]
