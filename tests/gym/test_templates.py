"""Every gym template against a brute-force oracle on random inputs (hypothesis)."""

from __future__ import annotations

import io
import itertools
import math
import statistics
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfs.gym import templates as T

FAST = settings(max_examples=60, deadline=None)
small_ints = st.lists(st.integers(-20, 20), max_size=25)
sorted_ints = small_ints.map(sorted)
text = st.text(alphabet="abcd", max_size=20)


# ---------------------------------------------------------------- input
@FAST
@given(st.lists(st.integers(-10**12, 10**12), max_size=30), st.sampled_from([" ", "\n", "  \n"]))
def test_read_ints_and_fast_input(xs, sep):
    data = sep.join(map(str, xs)).encode()
    assert T.read_ints(data) == xs
    assert T.read_ints(io.BytesIO(data)) == xs
    r = T.fast_input(data)
    if xs:
        assert r.int() == xs[0]
        assert r.ints(len(xs) - 1) == xs[1:]
    assert len(r) == 0
    with pytest.raises(EOFError):
        r.token()


def test_fast_input_rejects_text():
    with pytest.raises(TypeError):
        T.FastReader("1 2")  # type: ignore[arg-type]


# ---------------------------------------------------------------- binary search
@FAST
@given(sorted_ints, st.integers(-25, 25))
def test_bounds_and_binary_search(a, x):
    assert T.lower_bound(a, x) == sum(v < x for v in a)
    assert T.upper_bound(a, x) == sum(v <= x for v in a)
    assert T.binary_search(a, x) == (a.index(x) if x in a else -1)


@FAST
@given(sorted_ints, st.integers(-25, 25))
def test_bounds_with_key(a, x):
    pairs = [(v, str(v)) for v in a]
    assert T.lower_bound(pairs, x, key=lambda p: p[0]) == sum(v < x for v in a)
    assert T.upper_bound(pairs, x, key=lambda p: p[0]) == sum(v <= x for v in a)


@FAST
@given(st.integers(-50, 50), st.integers(0, 60), st.integers(-60, 120))
def test_first_true(lo, width, threshold):
    hi = lo + width
    pred = lambda v: v >= threshold
    expected = next((v for v in range(lo, hi) if pred(v)), hi)
    assert T.first_true(lo, hi, pred) == expected


def test_first_true_rejects_bad_range():
    with pytest.raises(ValueError):
        T.first_true(5, 1, bool)
    with pytest.raises(TypeError):
        T.first_true(0.5, 3, bool)  # type: ignore[arg-type]


@FAST
@given(st.floats(0.01, 100.0))
def test_bisect_float_finds_square_root(v):
    x = T.bisect_float(0.0, 100.0, lambda t: t * t >= v, 1e-9)
    assert math.isclose(x, math.sqrt(v), abs_tol=1e-7)
    with pytest.raises(ValueError):
        T.bisect_float(0.0, 1.0, bool, 0.0)


# ---------------------------------------------------------------- heaps
@FAST
@given(small_ints, st.integers(0, 30))
def test_top_k_matches_sorted(a, k):
    assert T.top_k(a, k) == sorted(a, reverse=True)[:k]
    items = [(v % 5, i) for i, v in enumerate(a)]  # many ties on the key
    assert T.top_k(items, k, key=lambda p: p[0]) == sorted(
        items, key=lambda p: p[0], reverse=True)[:k]


def test_top_k_rejects_negative_k():
    with pytest.raises(ValueError):
        T.top_k([1], -1)
    with pytest.raises(TypeError):
        T.top_k([1], 1.5)  # type: ignore[arg-type]


@FAST
@given(st.lists(sorted_ints, max_size=6))
def test_merge_k_sorted(lists):
    assert T.merge_k_sorted(lists) == sorted(itertools.chain(*lists))


def test_merge_k_sorted_rejects_unsorted():
    with pytest.raises(ValueError, match="list 1"):
        T.merge_k_sorted([[1], [3, 2]])


@FAST
@given(st.lists(st.tuples(st.booleans(), st.integers(-9, 9)), max_size=40))
def test_max_heap_against_list(ops):
    heap, ref = T.MaxHeap(), []
    for is_push, v in ops:
        if is_push or not ref:
            heap.push(v)
            ref.append(v)
        else:
            assert heap.peek() == max(ref)
            assert heap.pop() == max(ref)
            ref.remove(max(ref))
        assert len(heap) == len(ref)
    while ref:
        assert heap.pop() == max(ref)
        ref.remove(max(ref))
    with pytest.raises(IndexError):
        heap.pop()


@FAST
@given(small_ints)
def test_running_median(a):
    assert T.running_median(a) == [statistics.median(a[:i + 1]) for i in range(len(a))]


# ---------------------------------------------------------------- monotonic stack / queue
@FAST
@given(st.lists(st.integers(-20, 20), min_size=1, max_size=25), st.data())
def test_sliding_window_max(a, data):
    k = data.draw(st.integers(1, len(a)))
    assert T.sliding_window_max(a, k) == [max(a[i:i + k]) for i in range(len(a) - k + 1)]


def test_sliding_window_max_rejects_bad_k():
    with pytest.raises(ValueError):
        T.sliding_window_max([1, 2], 3)
    with pytest.raises(ValueError):
        T.sliding_window_max([1, 2], 0)


@FAST
@given(small_ints)
def test_next_greater_and_prev_smaller(a):
    n = len(a)
    assert T.next_greater(a) == [next((j for j in range(i + 1, n) if a[j] > a[i]), -1)
                                 for i in range(n)]
    assert T.prev_smaller(a) == [next((j for j in range(i - 1, -1, -1) if a[j] < a[i]), -1)
                                 for i in range(n)]


@FAST
@given(st.lists(st.integers(0, 10), max_size=20))
def test_largest_rectangle(h):
    brute = max((min(h[i:j]) * (j - i) for i in range(len(h)) for j in range(i + 1, len(h) + 1)),
                default=0)
    assert T.largest_rectangle(h) == brute


def test_largest_rectangle_rejects_negative():
    with pytest.raises(ValueError):
        T.largest_rectangle([1, -1])


# ---------------------------------------------------------------- two pointers / windows
@FAST
@given(sorted_ints, st.integers(-40, 40))
def test_two_sum_sorted(a, target):
    got = T.two_sum_sorted(a, target)
    exists = any(a[i] + a[j] == target for i in range(len(a)) for j in range(i + 1, len(a)))
    if got is None:
        assert not exists
    else:
        i, j = got
        assert i < j and a[i] + a[j] == target


def test_two_sum_sorted_rejects_unsorted():
    with pytest.raises(ValueError, match="sorted"):
        T.two_sum_sorted([3, 1], 4)


@FAST
@given(text)
def test_longest_unique_substring(s):
    brute = max((j - i for i in range(len(s)) for j in range(i + 1, len(s) + 1)
                 if len(set(s[i:j])) == j - i), default=0)
    assert T.longest_unique_substring(s) == brute


@FAST
@given(text, st.text(alphabet="abcd", max_size=4))
def test_min_window(s, t):
    from collections import Counter

    need = Counter(t)
    best = ""
    if t:
        for length in range(1, len(s) + 1):
            hit = next((s[i:i + length] for i in range(len(s) - length + 1)
                        if not need - Counter(s[i:i + length])), None)
            if hit is not None:
                best = hit
                break
    assert T.min_window(s, t) == best


# ---------------------------------------------------------------- prefix sums
@FAST
@given(small_ints, st.integers(-10, 10))
def test_prefix_sums_and_subarray_count(a, k):
    p = T.prefix_sums(a)
    assert p == [sum(a[:i]) for i in range(len(a) + 1)]
    brute = sum(sum(a[i:j]) == k for i in range(len(a)) for j in range(i + 1, len(a) + 1))
    assert T.count_subarrays_with_sum(a, k) == brute


@FAST
@given(st.integers(1, 15), st.data())
def test_diff_array_apply(n, data):
    ups = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                       st.integers(-5, 5)), max_size=10))
    ups = [(min(l, r), max(l, r), d) for l, r, d in ups]
    ref = [0] * n
    for l, r, d in ups:
        for i in range(l, r + 1):
            ref[i] += d
    assert T.diff_array_apply(n, ups) == ref
    with pytest.raises(ValueError):
        T.diff_array_apply(n, [(0, n, 1)])


# ---------------------------------------------------------------- graphs
grids = st.integers(1, 6).flatmap(lambda c: st.lists(
    st.text(alphabet="..#", min_size=c, max_size=c), min_size=1, max_size=6))


def _relax_distances(grid, starts):
    rows, cols = len(grid), len(grid[0])
    inf = math.inf
    d = [[inf] * cols for _ in range(rows)]
    for r, c in starts:
        d[r][c] = 0
    changed = True
    while changed:
        changed = False
        for r in range(rows):
            for c in range(cols):
                if grid[r][c] == "#":
                    continue
                for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                    if 0 <= nr < rows and 0 <= nc < cols and d[nr][nc] + 1 < d[r][c]:
                        d[r][c], changed = d[nr][nc] + 1, True
    return [[-1 if v == inf else v for v in row] for row in d]


@FAST
@given(grids, st.data())
def test_bfs_grid_multi_source(grid, data):
    open_cells = [(r, c) for r, row in enumerate(grid) for c, ch in enumerate(row) if ch == "."]
    starts = data.draw(st.lists(st.sampled_from(open_cells), max_size=3)) if open_cells else []
    assert T.bfs_grid(grid, starts, lambda ch: ch != "#") == _relax_distances(grid, starts)


def test_bfs_grid_rejects_bad_start():
    with pytest.raises(ValueError, match="outside"):
        T.bfs_grid(["..", ".."], [(2, 0)], lambda ch: True)
    with pytest.raises(ValueError, match="passable"):
        T.bfs_grid(["#."], [(0, 0)], lambda ch: ch != "#")


edge_lists = st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=15)))


def _adj(n, edges):
    g = {u: [] for u in range(n)}
    for u, v in edges:
        g[u].append(v)
    return g


@FAST
@given(edge_lists)
def test_bfs_against_relaxation(ne):
    n, edges = ne
    d = {0: 0}
    for _ in range(n):  # Bellman-Ford with unit weights
        for u, v in edges:
            if u in d and d[u] + 1 < d.get(v, math.inf):
                d[v] = d[u] + 1
    assert T.bfs(_adj(n, edges), 0) == d


@FAST
@given(edge_lists)
def test_dfs_order_matches_recursive(ne):
    n, edges = ne
    g = _adj(n, edges)
    order, seen = [], set()

    def go(u):
        seen.add(u)
        order.append(u)
        for v in g[u]:
            if v not in seen:
                go(v)

    go(0)
    assert T.dfs_order(g, 0) == order


def _has_cycle(n, edges):
    g = _adj(n, edges)
    for perm in itertools.permutations(range(n)) if n <= 6 else ():
        pos = {u: i for i, u in enumerate(perm)}
        if all(pos[u] < pos[v] for u, v in edges):
            return False
    del g
    return True


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=8))))
def test_topo_sort(ne):
    n, edges = ne
    if _has_cycle(n, edges):
        with pytest.raises(ValueError, match="cycle"):
            T.topo_sort(n, edges)
        return
    order = T.topo_sort(n, edges)
    valid = [p for p in itertools.permutations(range(n))
             if all(p.index(u) < p.index(v) for u, v in edges)]
    assert tuple(order) == min(valid)


@FAST
@given(st.integers(1, 7).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 9)), max_size=15))))
def test_dijkstra_against_bellman_ford(ne):
    n, edges = ne
    g = defaultdict(list)
    for u, v, w in edges:
        g[u].append((v, w))
    d = {0: 0}
    for _ in range(n):
        for u, v, w in edges:
            if u in d and d[u] + w < d.get(v, math.inf):
                d[v] = d[u] + w
    assert T.dijkstra(g, 0) == d


def test_dijkstra_rejects_negative_weight():
    with pytest.raises(ValueError, match="negative"):
        T.dijkstra({0: [(1, -1)]}, 0)


@FAST
@given(edge_lists)
def test_union_find_and_components(ne):
    n, edges = ne
    # oracle: reachability by repeated set merging in the dumbest way
    comp = [{u} for u in range(n)]
    for u, v in edges:
        a = next(s for s in comp if u in s)
        b = next(s for s in comp if v in s)
        if a is not b:
            comp.remove(b)
            a |= b
    uf = T.UnionFind(n)
    for u, v in edges:
        uf.union(u, v)
    for u in range(n):
        mine = next(s for s in comp if u in s)
        assert uf.size(u) == len(mine)
        assert all(uf.connected(u, v) == (v in mine) for v in range(n))
    assert uf.count == len(comp)
    assert T.connected_components(n, edges) == sorted(sorted(s) for s in comp)
    with pytest.raises(ValueError):
        uf.find(n)


# ---------------------------------------------------------------- dynamic programming
@FAST
@given(st.lists(st.integers(-5, 5), max_size=10))
def test_lis_length(a):
    brute = max((len(c) for r in range(len(a) + 1) for c in itertools.combinations(a, r)
                 if all(x < y for x, y in zip(c, c[1:]))), default=0)
    assert T.lis_length(a) == brute


@FAST
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 20)), max_size=8),
       st.integers(0, 20))
def test_knapsack_01(items, cap):
    brute = max(sum(v for _, v in c) for r in range(len(items) + 1)
                for c in itertools.combinations(items, r) if sum(w for w, _ in c) <= cap)
    assert T.knapsack_01([w for w, _ in items], [v for _, v in items], cap) == brute


def test_knapsack_rejects_bad_input():
    with pytest.raises(ValueError):
        T.knapsack_01([1], [1, 2], 3)
    with pytest.raises(ValueError):
        T.knapsack_01([1], [1], -1)


def _edit_brute(a, b):
    from functools import lru_cache

    @lru_cache(None)
    def go(i, j):
        if i == len(a) or j == len(b):
            return len(a) - i + len(b) - j
        if a[i] == b[j]:
            return go(i + 1, j + 1)
        return 1 + min(go(i + 1, j), go(i, j + 1), go(i + 1, j + 1))

    return go(0, 0)


@FAST
@given(st.text(alphabet="abc", max_size=7), st.text(alphabet="abc", max_size=7))
def test_edit_distance_and_lcs(a, b):
    assert T.edit_distance(a, b) == _edit_brute(a, b)
    subs = lambda s: {"".join(c) for r in range(len(s) + 1) for c in itertools.combinations(s, r)}
    assert T.lcs_length(a, b) == max(len(x) for x in subs(a) & subs(b))


@FAST
@given(st.lists(st.integers(1, 9), min_size=1, max_size=4), st.integers(0, 30))
def test_coin_change_min(coins, amount):
    brute = -1
    for count in range(amount + 1):
        if any(sum(c) == amount for c in itertools.combinations_with_replacement(coins, count)):
            brute = count
            break
    assert T.coin_change_min(coins, amount) == brute


def test_coin_change_rejects_nonpositive_coin():
    with pytest.raises(ValueError):
        T.coin_change_min([0, 1], 3)


# ---------------------------------------------------------------- strings
@FAST
@given(st.text(alphabet="ab", max_size=30), st.text(alphabet="ab", min_size=1, max_size=4))
def test_kmp_search(text_, pattern):
    assert T.kmp_search(text_, pattern) == [i for i in range(len(text_))
                                            if text_.startswith(pattern, i)]
    with pytest.raises(ValueError):
        T.kmp_search(text_, "")


@FAST
@given(st.lists(st.text(alphabet="abc", max_size=4), max_size=15),
       st.lists(st.text(alphabet="abc", max_size=3), max_size=8))
def test_trie(words, queries):
    trie, stored = T.Trie(), set()
    for w in words:
        assert trie.insert(w) == (w not in stored)
        stored.add(w)
    for q in queries:
        assert trie.contains(q) == (q in stored)
        assert trie.count_prefix(q) == sum(w.startswith(q) for w in stored)
        assert trie.starts_with(q) == any(w.startswith(q) for w in stored)


# ---------------------------------------------------------------- grouping
@FAST
@given(st.lists(st.integers(-9, 9), max_size=20))
def test_group_by_key(a):
    got = T.group_by_key(a, lambda v: v % 3)
    keys = list(dict.fromkeys(v % 3 for v in a))
    assert list(got) == keys
    assert got == {k: [v for v in a if v % 3 == k] for k in keys}


@FAST
@given(st.text(alphabet="aab", max_size=20))
def test_run_length(s):
    got = T.run_length(s)
    assert "".join(ch * n for ch, n in got) == s
    assert all(n > 0 for _, n in got)
    assert all(a[0] != b[0] for a, b in zip(got, got[1:]))
    assert got == [(k, len(list(g))) for k, g in itertools.groupby(s)]


@FAST
@given(st.lists(st.text(alphabet="abc", max_size=3), max_size=12))
def test_anagram_groups(words):
    groups = T.anagram_groups(words)
    assert [w for g in groups for w in g] == sorted(words, key=lambda w: next(
        i for i, g in enumerate(groups) if w in g))
    for g in groups:
        assert len({"".join(sorted(w)) for w in g}) == 1
    sigs = ["".join(sorted(g[0])) for g in groups]
    assert len(sigs) == len(set(sigs))
    assert sigs == list(dict.fromkeys("".join(sorted(w)) for w in words))
