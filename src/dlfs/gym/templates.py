"""Reusable algorithm templates for the Python gym (Track B), each checked against a
brute-force oracle on random inputs (``tests/gym/test_templates.py``).

Every function states its complexity and its edge cases, and raises ``ValueError`` /
``TypeError`` with a clear message on invalid input. Graphs are adjacency dicts:
``{u: [v, ...]}`` when unweighted, ``{u: [(v, w), ...]}`` when weighted; a node that only
appears as a neighbour is a node with no outgoing edges.

>>> lower_bound([1, 2, 2, 3], 2), upper_bound([1, 2, 2, 3], 2)
(1, 3)
>>> top_k([5, 1, 4, 1, 5], 3)
[5, 5, 4]
>>> sliding_window_max([1, 3, -1, -3, 5, 3], 3)
[3, 3, 5, 5]
"""

from __future__ import annotations

import bisect
import heapq
import sys
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import IO, Any

__all__ = [
    "FastReader", "fast_input", "read_ints",
    "lower_bound", "upper_bound", "binary_search", "first_true", "bisect_float",
    "top_k", "merge_k_sorted", "MaxHeap", "running_median",
    "sliding_window_max", "next_greater", "prev_smaller", "largest_rectangle",
    "two_sum_sorted", "longest_unique_substring", "min_window",
    "prefix_sums", "count_subarrays_with_sum", "diff_array_apply",
    "bfs_grid", "bfs", "dfs_order", "topo_sort", "dijkstra", "UnionFind",
    "connected_components",
    "lis_length", "knapsack_01", "edit_distance", "lcs_length", "coin_change_min",
    "kmp_search", "Trie",
    "group_by_key", "run_length", "anagram_groups",
]


# --------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------

def _check_int(name: str, value: Any, *, minimum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


class FastReader:
    """Whitespace-separated tokens of a byte buffer, read in one go.

    One ``read()`` plus one ``split()`` is O(total bytes) and avoids the per-line cost of
    ``input()``. Reading past the end raises ``EOFError``.

    >>> r = FastReader(b"3\\n1 2 3\\nabc")
    >>> r.int(), r.ints(3), r.token(), len(r)
    (3, [1, 2, 3], 'abc', 0)
    """

    def __init__(self, data: bytes):
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"FastReader needs bytes, got {type(data).__name__}")
        self._tokens = data.split()
        self._pos = 0

    def __len__(self) -> int:
        return len(self._tokens) - self._pos

    def _take(self, n: int) -> list[bytes]:
        if n > len(self):
            raise EOFError(f"wanted {n} more tokens, only {len(self)} left")
        out = self._tokens[self._pos:self._pos + n]
        self._pos += n
        return out

    def token(self) -> str:
        """The next token as a str."""
        return self._take(1)[0].decode()

    def int(self) -> int:
        """The next token as an int."""
        return int(self._take(1)[0])

    def ints(self, n: int) -> list[int]:
        """The next ``n`` tokens as ints."""
        _check_int("n", n, minimum=0)
        return list(map(int, self._take(n)))

    def rest_ints(self) -> list[int]:
        """Every remaining token as an int."""
        return list(map(int, self._take(len(self))))


def fast_input(stream: IO[bytes] | bytes | None = None) -> FastReader:
    """A :class:`FastReader` over ``stream`` (default: all of ``sys.stdin.buffer``)."""
    if isinstance(stream, (bytes, bytearray)):
        return FastReader(bytes(stream))
    return FastReader((stream or sys.stdin.buffer).read())


def read_ints(stream: IO[bytes] | bytes | None = None) -> list[int]:
    """Every whitespace-separated integer of ``stream`` (default stdin). O(total bytes).

    >>> read_ints(b"1 -2\\n 30\\n")
    [1, -2, 30]
    """
    return fast_input(stream).rest_ints()


# --------------------------------------------------------------------------------------
# binary search
# --------------------------------------------------------------------------------------

def lower_bound(a: Sequence[Any], x: Any, key: Callable[[Any], Any] | None = None) -> int:
    """First index i with ``key(a[i]) >= x`` (``bisect_left``); ``len(a)`` if none. O(log n).

    ``a`` must be sorted by ``key`` (not checked: checking would cost O(n)).
    """
    return bisect.bisect_left(a, x, key=key)


def upper_bound(a: Sequence[Any], x: Any, key: Callable[[Any], Any] | None = None) -> int:
    """First index i with ``key(a[i]) > x`` (``bisect_right``); ``len(a)`` if none. O(log n)."""
    return bisect.bisect_right(a, x, key=key)


def binary_search(a: Sequence[Any], x: Any) -> int:
    """Index of ``x`` in sorted ``a`` (the leftmost if repeated) or -1. O(log n).

    >>> binary_search([1, 3, 3, 7], 3), binary_search([1, 3], 2), binary_search([], 1)
    (1, -1, -1)
    """
    i = bisect.bisect_left(a, x)
    return i if i < len(a) and a[i] == x else -1


def first_true(lo: int, hi: int, pred: Callable[[int], bool]) -> int:
    """Smallest integer in ``[lo, hi)`` where the monotone ``pred`` is true, else ``hi``.

    "Binary search on the answer": ``pred`` must be false…false true…true on the range.
    O(log(hi - lo)) calls of ``pred``. An empty range (lo == hi) returns hi.

    >>> first_true(0, 100, lambda v: v * v >= 50)
    8
    """
    _check_int("lo", lo)
    _check_int("hi", hi)
    if lo > hi:
        raise ValueError(f"first_true: need lo <= hi, got lo={lo}, hi={hi}")
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def bisect_float(lo: float, hi: float, pred: Callable[[float], bool], eps: float = 1e-9
                 ) -> float:
    """Approximate boundary in ``[lo, hi]`` of a monotone ``pred`` (false, then true).

    Returns x within ``eps`` of the smallest point where ``pred`` becomes true; ``hi`` if it
    never does. Halves the interval until it is shorter than ``eps``: O(log((hi-lo)/eps)).

    >>> round(bisect_float(0.0, 2.0, lambda v: v * v >= 2.0, 1e-12), 9)
    1.414213562
    """
    if not eps > 0:
        raise ValueError(f"bisect_float: eps must be > 0, got {eps}")
    if lo > hi:
        raise ValueError(f"bisect_float: need lo <= hi, got lo={lo}, hi={hi}")
    while hi - lo > eps:
        mid = (lo + hi) / 2
        if mid in (lo, hi):  # floating-point resolution reached
            break
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return hi


# --------------------------------------------------------------------------------------
# heaps
# --------------------------------------------------------------------------------------

def top_k(iterable: Iterable[Any], k: int, key: Callable[[Any], Any] | None = None
          ) -> list[Any]:
    """The ``k`` largest items, largest first; ties keep their input order.

    Equal to ``sorted(iterable, key=key, reverse=True)[:k]`` but O(n log k) time and O(k)
    memory via a size-k min-heap. k = 0 gives []; k > n gives everything sorted.
    """
    _check_int("k", k, minimum=0)
    if k == 0:
        return []
    heap: list[tuple[Any, int, Any]] = []  # (key, -index, item): the root is the worst kept
    for i, item in enumerate(iterable):
        kv = item if key is None else key(item)
        if len(heap) < k:
            heapq.heappush(heap, (kv, -i, item))
        elif kv > heap[0][0]:  # an equal key arrives later, so it loses the tie: skip it
            heapq.heapreplace(heap, (kv, -i, item))
    heap.sort(key=lambda e: e[:2], reverse=True)
    return [item for _, _, item in heap]


def merge_k_sorted(lists: Iterable[Sequence[Any]]) -> list[Any]:
    """Merge sorted lists into one sorted list. O(N log k) for N items in k lists.

    Raises ValueError if an input list is not sorted (cheap: O(N) next to the merge).

    >>> merge_k_sorted([[1, 4], [2, 3, 9], []])
    [1, 2, 3, 4, 9]
    """
    lists = [list(x) for x in lists]
    for idx, xs in enumerate(lists):
        if any(xs[i + 1] < xs[i] for i in range(len(xs) - 1)):
            raise ValueError(f"merge_k_sorted: list {idx} is not sorted")
    return list(heapq.merge(*lists))


class _Reversed:
    """Wraps an item so that heapq's min-heap orders it largest first."""

    __slots__ = ("item",)

    def __init__(self, item: Any):
        self.item = item

    def __lt__(self, other: _Reversed) -> bool:
        return other.item < self.item


class MaxHeap:
    """A max-heap on ``heapq`` (which is a min-heap): push/pop O(log n), peek O(1).

    >>> h = MaxHeap([3, 1, 4]); h.push(5); h.pop(), h.peek(), len(h)
    (5, 4, 3)
    """

    def __init__(self, items: Iterable[Any] = ()):
        self._heap = [_Reversed(x) for x in items]
        heapq.heapify(self._heap)

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, item: Any) -> None:
        heapq.heappush(self._heap, _Reversed(item))

    def pop(self) -> Any:
        """Remove and return the largest item; IndexError when empty."""
        if not self._heap:
            raise IndexError("pop from an empty MaxHeap")
        return heapq.heappop(self._heap).item

    def peek(self) -> Any:
        """The largest item without removing it; IndexError when empty."""
        if not self._heap:
            raise IndexError("peek into an empty MaxHeap")
        return self._heap[0].item


def running_median(stream: Iterable[float]) -> list[float]:
    """Median after each item (mean of the two middle ones for an even count).

    Two heaps: a max-heap ``low`` (as negatives) and a min-heap ``high`` with
    ``len(low) - len(high)`` in {0, 1}. O(log n) per item.

    >>> running_median([5, 15, 1, 3])
    [5, 10.0, 5, 4.0]
    """
    low: list[float] = []   # negated values of the lower half
    high: list[float] = []
    out: list[float] = []
    for x in stream:
        if low and x > -low[0]:
            heapq.heappush(high, x)
        else:
            heapq.heappush(low, -x)
        if len(low) > len(high) + 1:
            heapq.heappush(high, -heapq.heappop(low))
        elif len(high) > len(low):
            heapq.heappush(low, -heapq.heappop(high))
        out.append(-low[0] if len(low) > len(high) else (-low[0] + high[0]) / 2)
    return out


# --------------------------------------------------------------------------------------
# monotonic stack / queue
# --------------------------------------------------------------------------------------

def sliding_window_max(a: Sequence[Any], k: int) -> list[Any]:
    """Maximum of every window ``a[i:i+k]``, n - k + 1 values. O(n) with a monotonic deque.

    Needs 1 <= k <= len(a).
    """
    _check_int("k", k, minimum=1)
    if k > len(a):
        raise ValueError(f"sliding_window_max: k={k} is larger than len(a)={len(a)}")
    dq: deque[int] = deque()  # indices, values decreasing from the front
    out = []
    for i, v in enumerate(a):
        while dq and a[dq[-1]] <= v:
            dq.pop()
        dq.append(i)
        if dq[0] <= i - k:
            dq.popleft()
        if i >= k - 1:
            out.append(a[dq[0]])
    return out


def next_greater(a: Sequence[Any]) -> list[int]:
    """For each i, the index of the nearest j > i with ``a[j] > a[i]``, else -1. O(n).

    >>> next_greater([2, 1, 2, 4, 3])
    [3, 2, 3, -1, -1]
    """
    out = [-1] * len(a)
    stack: list[int] = []  # indices still waiting for a greater element
    for j, v in enumerate(a):
        while stack and a[stack[-1]] < v:
            out[stack.pop()] = j
        stack.append(j)
    return out


def prev_smaller(a: Sequence[Any]) -> list[int]:
    """For each i, the index of the nearest j < i with ``a[j] < a[i]``, else -1. O(n).

    >>> prev_smaller([3, 1, 2, 2, 0])
    [-1, -1, 1, 1, -1]
    """
    out = [-1] * len(a)
    stack: list[int] = []  # indices with strictly increasing values
    for i, v in enumerate(a):
        while stack and a[stack[-1]] >= v:
            stack.pop()
        out[i] = stack[-1] if stack else -1
        stack.append(i)
    return out


def largest_rectangle(heights: Sequence[int]) -> int:
    """Largest rectangle area under a histogram of non-negative bar heights. O(n).

    Each bar is popped once, when a lower bar ends its extent to the right. [] gives 0.

    >>> largest_rectangle([2, 1, 5, 6, 2, 3])
    10
    """
    if any(h < 0 for h in heights):
        raise ValueError("largest_rectangle: heights must be non-negative")
    best, stack = 0, []  # stack of indices with increasing heights
    for i, h in enumerate([*heights, 0]):
        while stack and heights[stack[-1]] >= h:
            top = stack.pop()
            left = stack[-1] + 1 if stack else 0
            best = max(best, heights[top] * (i - left))
        stack.append(i)
    return best


# --------------------------------------------------------------------------------------
# two pointers / sliding window
# --------------------------------------------------------------------------------------

def _check_sorted(name: str, a: Sequence[Any]) -> None:
    if any(a[i + 1] < a[i] for i in range(len(a) - 1)):
        raise ValueError(f"{name}: input must be sorted in non-decreasing order")


def two_sum_sorted(a: Sequence[int], target: int) -> tuple[int, int] | None:
    """Indices (i, j), i < j, with ``a[i] + a[j] == target`` in sorted ``a``, or None. O(n).

    Two pointers from both ends; the pair found has the smallest possible i.

    >>> two_sum_sorted([1, 2, 4, 7, 11], 9), two_sum_sorted([1, 2], 5)
    ((1, 3), None)
    """
    _check_sorted("two_sum_sorted", a)
    i, j = 0, len(a) - 1
    while i < j:
        s = a[i] + a[j]
        if s == target:
            return i, j
        if s < target:
            i += 1
        else:
            j -= 1
    return None


def longest_unique_substring(s: str) -> int:
    """Length of the longest substring without a repeated character. O(n).

    >>> longest_unique_substring("abcabcbb"), longest_unique_substring("")
    (3, 0)
    """
    last: dict[str, int] = {}
    best = left = 0
    for right, ch in enumerate(s):
        if last.get(ch, -1) >= left:
            left = last[ch] + 1
        last[ch] = right
        best = max(best, right - left + 1)
    return best


def min_window(s: str, t: str) -> str:
    """Shortest substring of ``s`` containing every character of ``t`` with multiplicity.

    Ties go to the leftmost window; "" when none exists or ``t`` is empty. O(|s| + |t|).

    >>> min_window("ADOBECODEBANC", "ABC"), min_window("a", "aa")
    ('BANC', '')
    """
    if not t:
        return ""
    need = Counter(t)
    missing = len(t)
    best = (len(s) + 1, 0)
    left = 0
    for right, ch in enumerate(s):
        if need[ch] > 0:
            missing -= 1
        need[ch] -= 1
        if missing == 0:
            while need[s[left]] < 0:  # drop surplus characters from the left
                need[s[left]] += 1
                left += 1
            best = min(best, (right - left + 1, left))
            need[s[left]] += 1
            missing += 1
            left += 1
    length, start = best
    return "" if length > len(s) else s[start:start + length]


# --------------------------------------------------------------------------------------
# prefix sums
# --------------------------------------------------------------------------------------

def prefix_sums(a: Iterable[int]) -> list[int]:
    """``p`` with ``p[0] = 0`` and ``p[i] = a[0] + … + a[i-1]``; ``sum(a[l:r]) = p[r] - p[l]``.

    >>> prefix_sums([3, 1, 4])
    [0, 3, 4, 8]
    """
    out = [0]
    for v in a:
        out.append(out[-1] + v)
    return out


def count_subarrays_with_sum(a: Sequence[int], k: int) -> int:
    """Number of non-empty contiguous subarrays summing to ``k`` (negatives allowed). O(n).

    Counts earlier prefix sums equal to ``current - k`` in a hash map.

    >>> count_subarrays_with_sum([1, 1, 1], 2)
    2
    """
    seen: Counter[int] = Counter({0: 1})
    total = count = 0
    for v in a:
        total += v
        count += seen[total - k]
        seen[total] += 1
    return count


def diff_array_apply(n: int, updates: Iterable[tuple[int, int, int]]) -> list[int]:
    """Apply range additions ``(l, r, delta)`` (inclusive, 0 <= l <= r < n) to n zeros.

    A difference array makes each update O(1); one prefix sum at the end: O(n + q).

    >>> diff_array_apply(5, [(1, 3, 2), (0, 0, 1)])
    [1, 2, 2, 2, 0]
    """
    _check_int("n", n, minimum=0)
    diff = [0] * (n + 1)
    for l, r, delta in updates:
        if not 0 <= l <= r < n:
            raise ValueError(f"diff_array_apply: bad range ({l}, {r}) for n={n}")
        diff[l] += delta
        diff[r + 1] -= delta
    return prefix_sums(diff[:n])[1:]


# --------------------------------------------------------------------------------------
# graphs
# --------------------------------------------------------------------------------------

def bfs_grid(grid: Sequence[Sequence[Any]], starts: Iterable[tuple[int, int]],
             passable: Callable[[Any], bool]) -> list[list[int]]:
    """Multi-source BFS distances on a grid (4-neighbour moves); -1 where unreachable.

    ``grid`` is a list of strings or lists; ``passable(cell)`` says if a cell may be
    entered. Every start has distance 0 and must be inside and passable. O(rows * cols).

    >>> bfs_grid(["..#", "#.."], [(0, 0)], lambda ch: ch != "#")
    [[0, 1, -1], [-1, 2, 3]]
    """
    rows = len(grid)
    cols = len(grid[0]) if rows else 0
    if any(len(row) != cols for row in grid):
        raise ValueError("bfs_grid: rows have different lengths")
    dist = [[-1] * cols for _ in range(rows)]
    queue: deque[tuple[int, int]] = deque()
    for r, c in starts:
        if not (0 <= r < rows and 0 <= c < cols):
            raise ValueError(f"bfs_grid: start ({r}, {c}) is outside the {rows}x{cols} grid")
        if not passable(grid[r][c]):
            raise ValueError(f"bfs_grid: start ({r}, {c}) is not passable")
        if dist[r][c] < 0:
            dist[r][c] = 0
            queue.append((r, c))
    while queue:
        r, c = queue.popleft()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= nr < rows and 0 <= nc < cols and dist[nr][nc] < 0 \
                    and passable(grid[nr][nc]):
                dist[nr][nc] = dist[r][c] + 1
                queue.append((nr, nc))
    return dist


def bfs(graph: Mapping[Hashable, Iterable[Hashable]], src: Hashable) -> dict[Hashable, int]:
    """Edge counts from ``src`` to every reachable node of an unweighted graph. O(V + E).

    >>> bfs({0: [1, 2], 1: [3], 2: [3]}, 0)
    {0: 0, 1: 1, 2: 1, 3: 2}
    """
    dist = {src: 0}
    queue = deque([src])
    while queue:
        u = queue.popleft()
        for v in graph.get(u, ()):
            if v not in dist:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist


def dfs_order(graph: Mapping[Hashable, Sequence[Hashable]], src: Hashable) -> list[Hashable]:
    """Pre-order of a depth-first search from ``src``, neighbours tried in list order.

    Iterative (no recursion limit), same order as the recursive version. O(V + E).

    >>> dfs_order({0: [1, 2], 1: [3], 2: [3]}, 0)
    [0, 1, 3, 2]
    """
    seen = {src}
    order = [src]
    stack = [iter(graph.get(src, ()))]
    while stack:
        for v in stack[-1]:
            if v not in seen:
                seen.add(v)
                order.append(v)
                stack.append(iter(graph.get(v, ())))
                break
        else:
            stack.pop()
    return order


def topo_sort(n: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    """An order of nodes 0..n-1 with u before v for every edge (u, v).

    Kahn's algorithm with a min-heap, so the result is the lexicographically smallest
    valid order. O((V + E) log V). Raises ValueError on a cycle or an out-of-range node.

    >>> topo_sort(4, [(2, 0), (0, 1), (3, 1)])
    [2, 0, 3, 1]
    """
    _check_int("n", n, minimum=0)
    adj: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for u, v in edges:
        if not (0 <= u < n and 0 <= v < n):
            raise ValueError(f"topo_sort: edge ({u}, {v}) has a node outside 0..{n - 1}")
        adj[u].append(v)
        indeg[v] += 1
    ready = [u for u in range(n) if indeg[u] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        u = heapq.heappop(ready)
        order.append(u)
        for v in adj[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                heapq.heappush(ready, v)
    if len(order) < n:
        raise ValueError("topo_sort: the graph has a cycle")
    return order


def dijkstra(graph: Mapping[Hashable, Iterable[tuple[Hashable, float]]], src: Hashable
             ) -> dict[Hashable, float]:
    """Shortest-path lengths from ``src`` to every reachable node. O((V + E) log V).

    Weights must be non-negative (ValueError otherwise; use Bellman-Ford for those).

    >>> dijkstra({"a": [("b", 4), ("c", 1)], "c": [("b", 2)]}, "a")
    {'a': 0, 'c': 1, 'b': 3}
    """
    for u, nbrs in graph.items():
        for _, w in nbrs:
            if w < 0:
                raise ValueError(f"dijkstra: negative edge weight {w} out of {u!r}")
    dist: dict[Hashable, float] = {}
    heap: list[tuple[float, int, Hashable]] = [(0, 0, src)]
    tie = 1  # insertion counter so that nodes themselves are never compared
    while heap:
        d, _, u = heapq.heappop(heap)
        if u in dist:
            continue
        dist[u] = d
        for v, w in graph.get(u, ()):
            if v not in dist:
                heapq.heappush(heap, (d + w, tie, v))
                tie += 1
    return dist


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size: ~O(1) per operation.

    >>> uf = UnionFind(4); uf.union(0, 1), uf.union(1, 0), uf.connected(0, 1), uf.size(1)
    (True, False, True, 2)
    """

    def __init__(self, n: int):
        _check_int("n", n, minimum=0)
        self.parent = list(range(n))
        self._size = [1] * n
        self.count = n  # number of sets

    def _check(self, x: int) -> None:
        if not 0 <= x < len(self.parent):
            raise ValueError(f"UnionFind: element {x} outside 0..{len(self.parent) - 1}")

    def find(self, x: int) -> int:
        """Representative of x's set."""
        self._check(x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        """Merge the sets of a and b; False if they were already one set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self._size[ra] += self._size[rb]
        self.count -= 1
        return True

    def connected(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def size(self, x: int) -> int:
        """Number of elements in x's set."""
        return self._size[self.find(x)]


def connected_components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Components of an undirected graph on 0..n-1: sorted lists, ordered by smallest node.

    >>> connected_components(5, [(0, 2), (3, 4)])
    [[0, 2], [1], [3, 4]]
    """
    uf = UnionFind(n)
    for u, v in edges:
        uf.union(u, v)
    groups: dict[int, list[int]] = defaultdict(list)
    for x in range(n):
        groups[uf.find(x)].append(x)
    return list(groups.values())


# --------------------------------------------------------------------------------------
# dynamic programming
# --------------------------------------------------------------------------------------

def lis_length(a: Sequence[Any]) -> int:
    """Length of the longest strictly increasing subsequence. O(n log n).

    ``tails[L]`` is the smallest tail of an increasing subsequence of length L + 1.

    >>> lis_length([10, 9, 2, 5, 3, 7, 101, 18]), lis_length([2, 2])
    (4, 1)
    """
    tails: list[Any] = []
    for v in a:
        i = bisect.bisect_left(tails, v)
        if i == len(tails):
            tails.append(v)
        else:
            tails[i] = v
    return len(tails)


def knapsack_01(weights: Sequence[int], values: Sequence[int], capacity: int) -> int:
    """Best total value of items with total weight <= capacity, each used at most once.

    One row of DP updated from high to low capacity: O(n * capacity) time, O(capacity) memory.

    >>> knapsack_01([1, 3, 4], [15, 20, 30], 4)
    35
    """
    _check_int("capacity", capacity, minimum=0)
    if len(weights) != len(values):
        raise ValueError(f"knapsack_01: {len(weights)} weights but {len(values)} values")
    if any(w < 0 for w in weights):
        raise ValueError("knapsack_01: weights must be non-negative")
    best = [0] * (capacity + 1)
    for w, v in zip(weights, values):
        for c in range(capacity, w - 1, -1):
            best[c] = max(best[c], best[c - w] + v)
    return best[capacity]


def edit_distance(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Levenshtein distance (insert, delete, substitute, each cost 1). O(|a| * |b|).

    >>> edit_distance("horse", "ros")
    3
    """
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def lcs_length(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Length of the longest common subsequence. O(|a| * |b|).

    >>> lcs_length("abcde", "ace")
    3
    """
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def coin_change_min(coins: Sequence[int], amount: int) -> int:
    """Fewest coins (unlimited supply) summing to ``amount``, -1 if impossible.

    O(len(coins) * amount). Coins must be positive; amount 0 needs 0 coins.

    >>> coin_change_min([1, 2, 5], 11), coin_change_min([2], 3)
    (3, -1)
    """
    _check_int("amount", amount, minimum=0)
    if any(c <= 0 for c in coins):
        raise ValueError("coin_change_min: coins must be positive")
    inf = amount + 1
    best = [0] + [inf] * amount
    for total in range(1, amount + 1):
        for c in coins:
            if c <= total and best[total - c] + 1 < best[total]:
                best[total] = best[total - c] + 1
    return best[amount] if best[amount] < inf else -1


# --------------------------------------------------------------------------------------
# strings
# --------------------------------------------------------------------------------------

def kmp_search(text: str, pattern: str) -> list[int]:
    """Every start index of ``pattern`` in ``text`` (overlaps included). O(|text| + |pattern|).

    ``fail[i]`` is the length of the longest proper border of ``pattern[:i+1]``. An empty
    pattern raises ValueError (it would match everywhere).

    >>> kmp_search("aaaa", "aa"), kmp_search("abc", "d")
    ([0, 1, 2], [])
    """
    if not pattern:
        raise ValueError("kmp_search: pattern must be non-empty")
    fail = [0] * len(pattern)
    k = 0
    for i in range(1, len(pattern)):
        while k and pattern[i] != pattern[k]:
            k = fail[k - 1]
        if pattern[i] == pattern[k]:
            k += 1
        fail[i] = k
    out, k = [], 0
    for i, ch in enumerate(text):
        while k and ch != pattern[k]:
            k = fail[k - 1]
        if ch == pattern[k]:
            k += 1
        if k == len(pattern):
            out.append(i - k + 1)
            k = fail[k - 1]
    return out


class Trie:
    """A prefix tree over distinct words; each operation is O(len(word)).

    >>> t = Trie(); t.insert("app"), t.insert("apple"), t.insert("app")
    (True, True, False)
    >>> t.contains("ap"), t.starts_with("ap"), t.count_prefix("app")
    (False, True, 2)
    """

    _END = "$end"

    def __init__(self) -> None:
        self.root: dict[str, Any] = {"#": 0}  # "#": words below this node

    def _node(self, prefix: str) -> dict[str, Any] | None:
        node = self.root
        for ch in prefix:
            node = node.get(ch)
            if node is None:
                return None
        return node

    def insert(self, word: str) -> bool:
        """Add ``word``; False (and no change) if it was already there."""
        if not isinstance(word, str):
            raise TypeError(f"Trie.insert needs a str, got {type(word).__name__}")
        if self.contains(word):
            return False
        node = self.root
        node["#"] += 1
        for ch in word:
            node = node.setdefault(ch, {"#": 0})
            node["#"] += 1
        node[self._END] = True
        return True

    def contains(self, word: str) -> bool:
        node = self._node(word)
        return node is not None and self._END in node

    def starts_with(self, prefix: str) -> bool:
        return self.count_prefix(prefix) > 0

    def count_prefix(self, prefix: str) -> int:
        """How many stored words start with ``prefix``."""
        node = self._node(prefix)
        return node["#"] if node is not None else 0


# --------------------------------------------------------------------------------------
# grouping
# --------------------------------------------------------------------------------------

def group_by_key(iterable: Iterable[Any], key: Callable[[Any], Hashable]
                 ) -> dict[Hashable, list[Any]]:
    """Items grouped by ``key(item)``; keys and items keep their first-seen order. O(n).

    >>> group_by_key(["apple", "bob", "avocado"], lambda w: w[0])
    {'a': ['apple', 'avocado'], 'b': ['bob']}
    """
    groups: dict[Hashable, list[Any]] = defaultdict(list)
    for item in iterable:
        groups[key(item)].append(item)
    return dict(groups)


def run_length(s: Iterable[Any]) -> list[tuple[Any, int]]:
    """Runs of equal consecutive items as (item, count). O(n).

    >>> run_length("aaabccdd")
    [('a', 3), ('b', 1), ('c', 2), ('d', 2)]
    """
    out: list[tuple[Any, int]] = []
    for ch in s:
        if out and out[-1][0] == ch:
            out[-1] = (ch, out[-1][1] + 1)
        else:
            out.append((ch, 1))
    return out


def anagram_groups(words: Iterable[str]) -> list[list[str]]:
    """Words grouped by their sorted letters; groups by first appearance. O(total · log len).

    >>> anagram_groups(["eat", "tea", "tan", "ate", "nat", "bat"])
    [['eat', 'tea', 'ate'], ['tan', 'nat'], ['bat']]
    """
    return list(group_by_key(words, lambda w: "".join(sorted(w))).values())

