"""The "from scratch" contract, checked on the source: no function of the library's
from-scratch packages calls (or even names) the PyTorch built-in it re-implements, except
inside a function whose name starts with ``_fused`` — the one shape an opt-in fast path may
take (``if self.fused: return self._fused_forward(x)``). The run-time half of the contract
is ``dlfs.builtin_guard``: every parity test runs the default path under it, so a fast
path reached by mistake is caught there.

The scanner reads each file with ``ast``, resolves import aliases (``F`` ->
``torch.nn.functional``, ``nn`` -> ``torch.nn``) and flags:

* any use of ``torch.nn.functional``, ``torch._C``, ``torch._VF`` or ``torch.ops`` (a call,
  or a reference such as ``g = torch.nn.functional.gelu``);
* ``torch.<name>`` for names on a deny list (conv2d, softmax, batch_norm, lstm, ...), and
  ``torch.Tensor.<method>`` for the tensor methods that are the built-in;
* building a torch layer or optimizer (``torch.nn.Linear(...)``, ``torch.optim.Adam(...)``),
  or subclassing one (infrastructure such as Module, Parameter, Optimizer is allowed);
* tensor methods that are the built-in itself (``x.softmax(-1)``, ``x.relu()``);
* inside a function or class named N, a torch call or tensor method with the same name
  (``torch.tanh`` inside ``def tanh``, ``x.sigmoid()`` inside ``class Sigmoid``).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch.nn.functional as TF

from dlfs.builtin_guard import DENY_METHODS, DENY_TORCH

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [ROOT / "src" / "dlfs" / name
           for name in ("nn", "optim", "attention", "llm", "peft", "models", "autograd")]
#: the NumPy engines: their ``x.tanh()``/``x.relu()`` are their own (or NumPy's) operations,
#: so only resolved torch names are checked there, not tensor-method names
TORCH_NAMES_ONLY = {ROOT / "src" / "dlfs" / "autograd"}

ALLOWED_NN = {"Module", "Parameter", "Buffer", "Sequential", "ModuleList", "ModuleDict",
              "ParameterList", "ParameterDict", "init", "utils"}
ALLOWED_OPTIM = {"Optimizer", "lr_scheduler"}
# names of built-in functions; a scope (def/class) with one of these names re-implements it
BUILTIN_NAMES = {n.lower().replace("_", "") for n in dir(TF) if not n.startswith("_")}
ALLOWED_SCHEDULER = {"LRScheduler", "_LRScheduler"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    call: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.call} ({self.reason})"


def _norm(name: str) -> str:
    return name.lower().replace("_", "")


def _dotted(node: ast.AST) -> list[str] | None:
    """``a.b.c`` -> ["a", "b", "c"]; None for anything that is not a plain name chain."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, methods: bool = True) -> None:
        self.path, self.methods = path, methods
        self.aliases: dict[str, str] = {}  # local name -> full torch path
        self.ours: set[str] = set()  # names bound to dlfs code (relative imports)
        self.scopes: list[str] = []
        self.found: list[Violation] = []

    # -- imports ---------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name.split(".")[0] == "torch":
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    self.aliases["torch"] = "torch"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for a in node.names:
            local = a.asname or a.name
            if node.level == 0 and module.split(".")[0] == "torch":
                self.aliases[local] = f"{module}.{a.name}"
            else:
                self.ours.add(local)

    # -- scopes (a function named _fused* is the opt-in fast path) -----------------------
    @property
    def in_fast_path(self) -> bool:
        return any(scope.startswith("_fused") for scope in self.scopes)

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scopes.append(node.name)
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _scoped

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            full = self._resolve(base)
            reason = self._forbidden_class(full) if full else None
            if reason:
                self._add(node, full, f"subclasses {reason}")
        self._scoped(node)

    # -- calls -----------------------------------------------------------------------
    def _resolve(self, node: ast.AST) -> str | None:
        parts = _dotted(node)
        if parts is None or parts[0] not in self.aliases:
            return None
        return ".".join([self.aliases[parts[0]], *parts[1:]])

    @staticmethod
    def _forbidden_class(full: str) -> str | None:
        parts = full.split(".")
        if parts[:3] == ["torch", "nn", "modules"] and any(p[:1].isupper() for p in parts[3:]):
            return f"the torch layer {full}"
        if parts[:2] == ["torch", "nn"] and len(parts) >= 3 and parts[2][:1].isupper():
            return None if parts[2] in ALLOWED_NN else f"the torch layer {full}"
        if parts[:2] == ["torch", "optim"] and len(parts) >= 3:
            if parts[2] == "lr_scheduler":
                ok = len(parts) >= 4 and parts[3] in ALLOWED_SCHEDULER
                return None if ok else f"the torch scheduler {full}"
            return None if parts[2] in ALLOWED_OPTIM else f"the torch optimizer {full}"
        return None

    @staticmethod
    def _forbidden_function(full: str) -> str | None:
        """Why naming ``full`` is forbidden (a call or a reference), or None."""
        parts = full.split(".")
        if full.startswith("torch.nn.functional."):
            return "torch.nn.functional is the built-in"
        if parts[:2] in (["torch", "_C"], ["torch", "ops"], ["torch", "_VF"]) and len(parts) > 2:
            return "a private torch kernel"
        if len(parts) == 2 and parts[0] == "torch" and parts[1] in DENY_TORCH:
            return "on the deny list"
        if parts[:2] == ["torch", "Tensor"] and len(parts) == 3 and parts[2] in DENY_METHODS:
            return "tensor method that is the built-in"
        return None

    def _forbidden_call(self, full: str) -> str | None:
        return self._forbidden_function(full) or self._forbidden_class(full)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """A reference such as ``g = torch.nn.functional.gelu`` (reported once per chain)."""
        full = self._resolve(node)
        reason = self._forbidden_function(full) if full else None
        if reason and not self.in_fast_path:
            self._add(node, full, reason)
            return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        """A from-imported built-in used by name (``softmax`` from torch.nn.functional)."""
        full = self.aliases.get(node.id)
        reason = self._forbidden_function(full) if full else None
        if reason and not self.in_fast_path:
            self._add(node, full, reason)

    def visit_Call(self, node: ast.Call) -> None:
        if not self.in_fast_path:
            self._check_call(node)
        if self._resolve(node.func) and self._forbidden_function(self._resolve(node.func)):
            for arg in [*node.args, *node.keywords]:   # the callee is reported by _check_call
                self.visit(arg)
            return
        self.generic_visit(node)

    def _check_call(self, node: ast.Call) -> None:
        full = self._resolve(node.func)
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if full is not None:
            reason = self._forbidden_call(full)
            if reason:
                self._add(node, full, reason)
            elif full.startswith("torch.") and self._same_as_scope(full.split(".")[-1]):
                self._add(node, full, f"called inside {self.scopes[-1]!r}, which re-implements it")
            return
        if name is None or not self.methods:
            return
        base = _dotted(node.func.value)
        if base is not None and (base[0] in self.ours or base == ["self"]):
            return  # our own functional module (F.softmax), or a sub-module (self.relu(x))
        if name in DENY_METHODS:
            self._add(node, f".{name}()", "tensor method that is the built-in")
        elif self._same_as_scope(name):
            self._add(node, f".{name}()", f"called inside {self.scopes[-1]!r}")

    def _same_as_scope(self, name: str) -> bool:
        if _norm(name) not in BUILTIN_NAMES:
            return False
        return any(_norm(name) == _norm(scope) for scope in self.scopes[-2:])

    def _add(self, node: ast.AST, call: str, reason: str) -> None:
        self.found.append(Violation(self.path, getattr(node, "lineno", 0), call, reason))


def scan_source(source: str, path: str = "<snippet>", methods: bool = True) -> list[Violation]:
    """Every forbidden built-in call in ``source``."""
    scanner = _Scanner(path, methods)
    scanner.visit(ast.parse(source))
    return scanner.found


def scan_tree() -> list[Violation]:
    found: list[Violation] = []
    for folder in SCANNED:
        for file in sorted(folder.rglob("*.py")):
            found += scan_source(file.read_text(), str(file.relative_to(ROOT)),
                                 methods=folder not in TORCH_NAMES_ONLY)
    return found


def test_library_calls_no_builtin_it_reimplements():
    files = [f for folder in SCANNED for f in folder.rglob("*.py")]
    assert len(files) >= 10, "the scanner found too few files: wrong root?"
    violations = scan_tree()
    assert not violations, "built-in calls outside a _fused* function:\n" + "\n".join(
        map(str, violations))


BAD = {
    "functional alias": """
        import torch.nn.functional as F
        def linear(x, w):
            return F.linear(x, w)
    """,
    "from-import of a functional": """
        from torch.nn.functional import softmax
        def attention(q, k):
            return softmax(q @ k.T, dim=-1)
    """,
    "nested functional module": """
        from torch import nn
        class Net(nn.Module):
            def forward(self, x):
                return nn.functional.relu(x)
    """,
    "torch deny list": """
        import torch
        def norm(x):
            return torch.layer_norm(x, (4,))
    """,
    "torch layer inside a module": """
        import torch
        class LSTM(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = torch.nn.LSTM(3, 4)
    """,
    "subclassing a torch layer": """
        from torch import nn
        class Linear(nn.Linear):
            pass
    """,
    "torch optimizer": """
        import torch
        def step(params):
            return torch.optim.Adam(params)
    """,
    "tensor method": """
        def probs(logits):
            return logits.softmax(-1)
    """,
    "same-name call": """
        import torch
        def tanh(x):
            return torch.tanh(x)
    """,
    "same-name method in a class": """
        class Sigmoid:
            def forward(self, x):
                return x.sigmoid()
    """,
    "else branch of fused": """
        import torch
        class Conv2d:
            def forward(self, x):
                if self.fused:
                    return x
                else:
                    return torch.conv2d(x, self.weight)
    """,
    "a condition that merely mentions fused": """
        import torch
        class Conv2d:
            def forward(self, x):
                if not self.fused:
                    return torch.nn.functional.conv2d(x, self.weight)
                return x
    """,
    "an alias of a functional": """
        import torch
        def gelu(x):
            g = torch.nn.functional.gelu
            return g(x)
    """,
    "torch._VF": """
        import torch
        def lstm(x, hx, weights):
            return torch._VF.lstm(x, hx, weights)
    """,
    "a torch layer reached through torch.nn.modules": """
        import torch
        def act(x):
            return torch.nn.modules.activation.GELU()(x)
    """,
    "an unbound tensor method": """
        import torch
        def probs(s):
            return torch.Tensor.softmax(s, -1)
    """,
}

GOOD = {
    "basic ops": """
        import torch
        def softmax(x, dim):
            e = torch.exp(x - x.amax(dim, keepdim=True))
            return e / e.sum(dim, keepdim=True)
    """,
    "the fast path in a _fused function": """
        import torch
        class Conv2d(torch.nn.Module):
            def forward(self, x):
                if self.fused:
                    return self._fused_forward(x)
                return x

            def _fused_forward(self, x):
                return torch.nn.functional.conv2d(x, self.weight)
    """,
    "isinstance against a torch layer": """
        import torch
        def is_linear(m):
            return isinstance(m, torch.nn.Linear)
    """,
    "our own functional": """
        from . import functional as F
        class Softmax:
            def forward(self, x):
                return F.softmax(x, self.dim)
    """,
    "infrastructure": """
        import torch
        from torch import nn
        class Linear(nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(3, 4))
                nn.init.kaiming_uniform_(self.weight)
        class SGD(torch.optim.Optimizer):
            pass
    """,
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_scanner_catches(name):
    assert scan_source(textwrap.dedent(BAD[name])), f"missed: {name}"


@pytest.mark.parametrize("name", sorted(GOOD))
def test_scanner_allows(name):
    assert scan_source(textwrap.dedent(GOOD[name])) == []


def test_scanner_catches_a_builtin_planted_in_real_code():
    source = (ROOT / "src" / "dlfs" / "nn" / "linear.py").read_text()
    assert scan_source(source) == []
    planted = source.replace("return F.linear(", "return torch.nn.functional.linear(")
    assert planted != source
    assert [v.call for v in scan_source(planted)] == ["torch.nn.functional.linear"]
