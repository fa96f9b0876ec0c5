"""Graph export: to_dot text and the matplotlib drawing, for both engines."""

from __future__ import annotations

import numpy as np

from dlfs.autograd import Tensor, Value, cross_entropy
from dlfs.autograd.drawing import depths, draw_graph, nodes, to_dot


def test_nodes_are_topologically_ordered_and_shared_nodes_appear_once():
    a = Value(2.0, label="a")
    b = a * a
    y = b + b.tanh()
    order = nodes(y)
    assert len(order) == 4 and order[-1] is y and order[0] is a
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)


def test_to_dot_for_a_tensor_graph_names_ops_and_shapes():
    x = Tensor(np.ones((4, 3)))
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    loss = cross_entropy(x @ w, np.array([0, 1, 1, 0]))
    dot = to_dot(loss)
    assert dot.startswith("digraph {") and dot.endswith("}")
    assert "{@ | (4, 2) float64}" in dot and "{input | (4, 3) float64}" in dot
    assert "{param | (3, 2) float64}" in dot
    assert dot.count("->") == sum(len(n.parents) for n in nodes(loss))


def test_leaves_are_placed_just_before_their_consumer():
    x, b = Value(1.0), Value(2.0)
    y = ((x * x).tanh() + b).exp()
    d = depths(nodes(y))
    assert d[id(x)] == 0 and d[id(b)] == d[id(y)] - 2


def test_draw_graph_draws_one_box_per_node():
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    y = (a * b).sigmoid()
    y.backward()
    fig = draw_graph(y, title="t")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty texts
    assert len(texts) == len(nodes(y)) == 4
    assert any(t.startswith("a\n") for t in texts) and ax.get_title() == "t"
    import matplotlib.pyplot as plt

    plt.close(fig)
