"""Exercises on layers: Linear, activations, dropout, normalization (roadmap days 5-9, book
ch. 3-5)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..cases import module_case, randn
from ..schema import Exercise

# ---- Linear ----------------------------------------------------------------------------


def linear_cases(Linear):
    for (n_in, n_out), lead, bias in [((1, 1), (1,), True), ((3, 2), (4,), True),
                                      ((5, 7), (2, 3), False), ((4, 6), (), True)]:
        x = randn(*lead, n_in, seed=n_in)
        yield module_case(f"Linear({n_in}, {n_out}, bias={bias}), x {tuple(x.shape)}",
                          lambda n_in=n_in, n_out=n_out, bias=bias: Linear(n_in, n_out, bias),
                          lambda n_in=n_in, n_out=n_out, bias=bias: nn.Linear(n_in, n_out, bias),
                          x)


class _LinearBase(nn.Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))


class _LinearNoTranspose(_LinearBase):
    """Planted bug: x @ W instead of x @ W^T (only shape-correct when in == out)."""

    def forward(self, x):
        out = x @ self.weight
        return out if self.bias is None else out + self.bias


class _LinearBiasForgotten(_LinearBase):
    """Planted bug: the bias is created but never added."""

    def forward(self, x):
        return x @ self.weight.T


EXERCISES = [
    Exercise(
        id="linear", entry="Linear", lesson="module-basics", at=("book:2",),
        title=("A Linear layer", "全连接层 Linear"),
        task=("Write Linear(in_features, out_features, bias=True) as an nn.Module with "
              "parameters `weight` of shape (out_features, in_features) and `bias` of shape "
              "(out_features,) (or None), initialised like torch's. forward maps "
              "(*, in_features) to (*, out_features): y = x W^T + b.",
              "把 Linear(in_features, out_features, bias=True) 写成 nn.Module：参数 weight 形状为 "
              "(out_features, in_features)，bias 形状为 (out_features,)（或 None），"
              "初始化方式与 torch 相同。forward 把 (*, in_features) 映射为 "
              "(*, out_features)：y = x W^T + b。"),
        stub='''
            class Linear(nn.Module):
                def __init__(self, in_features: int, out_features: int, bias: bool = True):
                    """Create self.weight (out, in) and self.bias (out,) or None."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """(*, in_features) -> (*, out_features)"""
        ''',
        reference="dlfs.nn.linear:Linear",
        cases=linear_cases,
        mutants={"weight not transposed": _LinearNoTranspose,
                 "bias never added": _LinearBiasForgotten},
        hints=(("Parameters are nn.Parameter(torch.empty(...)); without a bias, "
                "self.register_parameter('bias', None) keeps the attribute.",
                "参数用 nn.Parameter(torch.empty(...)) 创建；没有 bias 时用 "
                "self.register_parameter('bias', None) 保留这个属性。"),
               ("The weight is stored (out, in), so the product is x @ self.weight.T; "
                "@ handles any leading dimensions.",
                "权重按 (out, in) 存放，所以乘法是 x @ self.weight.T；"
                "@ 会自动处理前面的任意维度。")),
    ),
]
