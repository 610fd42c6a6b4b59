"""A layered drawing of a DAG whose edges never pass through a box (Sugiyama's method, in brief).

1. **Layers**: each node one row below its lowest predecessor (longest path).
2. **Long edges** get a dummy node in every row they pass, so they are routed through the space
   between boxes, never behind one.
3. **Order**: rows are reordered by the barycentre of their neighbours, sweeping down and up,
   then neighbours are swapped ("transpose") and each node moved to its best place in its row
   ("sifting") while that lowers the crossings; the order with the fewest crossings is kept.
4. **Positions**: each row is placed as close as it can to its neighbours' centres while keeping
   its order and gaps (pool-adjacent-violators: the least-squares placement under those
   constraints), sweeping down and up.
5. **Routes**: an edge leaves its source's bottom edge, runs straight down inside the source's
   own column to the bottom of the source's row, crosses the empty band between rows, runs down
   each dummy's column, and enters its target's top edge. Every segment is in a gap, in a
   dummy's column or in the source's own column, so no segment crosses a box.

Why not a library: Graphviz's ``dot`` draws this well but is a system program many machines
lack, and a page must be drawable wherever a run happens; the pure-Python layered layouts on
PyPI are experimental or unmaintained. Pipelines have tens of tasks: this is enough, and
``utils/tests/report/test_layout.py`` checks the guarantee geometrically.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

DUMMY_WIDTH = 10.0
SWEEPS = 12

Point = tuple[float, float]


@dataclass
class Layout:
    """Where each node's top-left corner is, the size of the whole, and each edge's polyline."""

    positions: dict[str, Point]
    width: float
    height: float
    routes: dict[tuple[str, str], list[Point]] = field(default_factory=dict)


def layered(
    sizes: dict[str, tuple[float, float]], edges: Iterable[tuple[str, str]], gap_x: float, gap_y: float
) -> Layout:
    """Lays out a DAG in rows, top to bottom.

    Args:
        sizes: Each node's (width, height), in the order to prefer when nothing else decides.
        edges: (source, target) pairs between those nodes (others, and self loops, are ignored).
        gap_x: The least horizontal gap between two boxes in a row.
        gap_y: The height of the band between two rows, where edges cross over.

    Returns:
        Positions relative to (0, 0), the bounding size, and one polyline per edge.
    """
    names = list(sizes)
    edge_list = sorted({(s, t) for s, t in edges if s in sizes and t in sizes and s != t}, key=_edge_order(names))
    rank = _ranks(names, edge_list)
    rows, chains, widths = _with_dummies(names, edge_list, rank, sizes)
    _order(rows, chains)
    xs = _place(rows, chains, widths, gap_x)
    tops, bottoms, height = _bands(rows, sizes, gap_y)
    left = min((xs[n] - widths[n] / 2 for row in rows for n in row), default=0.0)
    positions = {n: (xs[n] - sizes[n][0] / 2 - left, tops[rank[n]]) for n in names}
    width = max((xs[n] + widths[n] / 2 - left for row in rows for n in row), default=0.0)
    routes = _routes(edge_list, chains, rank, xs, left, positions, sizes, tops, bottoms)
    return Layout(positions, width, height, routes)


def _edge_order(names: list[str]):
    index = {n: i for i, n in enumerate(names)}
    return lambda edge: (index[edge[0]], index[edge[1]])


def _ranks(names: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = defaultdict(list)
    for s, t in edges:
        preds[t].append(s)
    rank: dict[str, int] = {}
    for name in names:  # iterative longest path (a pipeline's DAG has no cycle; one is cut)
        stack = [(name, False)]
        on_path: set[str] = set()
        while stack:
            node, done = stack.pop()
            if done:
                on_path.discard(node)
                rank[node] = 1 + max((rank.get(p, 0) for p in preds[node] if p in rank), default=-1)
                continue
            if node in rank or node in on_path:
                continue
            on_path.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in preds[node] if p not in rank and p not in on_path)
    return rank


def _with_dummies(names, edges, rank, sizes):
    """Rows of node ids (real and dummy); each edge's chain of ids from source to target."""
    rows: list[list[str]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    widths = {n: sizes[n][0] for n in names}
    for name in names:
        rows[rank[name]].append(name)
    chains = {}
    for s, t in edges:
        chain = [s]
        for r in range(rank[s] + 1, rank[t]):
            dummy = f"\0{s}\0{t}\0{r}"
            rows[r].append(dummy)
            widths[dummy] = DUMMY_WIDTH
            chain.append(dummy)
        chains[(s, t)] = [*chain, t]
    return rows, chains, widths


def _neighbours(chains) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    up, down = defaultdict(list), defaultdict(list)
    for chain in chains.values():
        for a, b in itertools.pairwise(chain):
            down[a].append(b)
            up[b].append(a)
    return up, down


def crossings(rows: list[list[str]], down: dict[str, list[str]]) -> int:
    """Edge crossings between consecutive rows for this order (counted pairwise)."""
    total = 0
    for upper, lower in itertools.pairwise(rows):
        where = {n: i for i, n in enumerate(lower)}
        pairs = [(i, where[b]) for i, a in enumerate(upper) for b in down[a] if b in where]
        total += sum(1 for k, (a1, b1) in enumerate(pairs) for a2, b2 in pairs[k + 1 :] if (a1 - a2) * (b1 - b2) < 0)
    return total


def _order(rows: list[list[str]], chains) -> None:
    """Reorders the rows in place by barycentre sweeps, keeping the order with fewest crossings."""
    up, down = _neighbours(chains)
    best, best_count = [list(r) for r in rows], crossings(rows, down)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for r in indices:
            fixed = rows[r - 1] if downward else rows[r + 1]
            adjacent = up if downward else down
            where = {n: i for i, n in enumerate(fixed)}
            current = {n: i for i, n in enumerate(rows[r])}

            def barycentre(n: str, where=where, adjacent=adjacent, current=current) -> tuple[float, int]:
                linked = [where[m] for m in adjacent[n] if m in where]
                return (sum(linked) / len(linked) if linked else current[n], current[n])

            rows[r].sort(key=barycentre)
        _transpose(rows, up, down)
        _sift(rows, up, down)
        count = crossings(rows, down)
        if count < best_count:
            best, best_count = [list(r) for r in rows], count
    rows[:] = best


def _pair_crossings(u: str, v: str, up, down, where_up, where_down) -> int:
    """Crossings between the edges of u and of v (u left of v), with the rows above and below."""
    total = 0
    for adjacent, where in ((up, where_up), (down, where_down)):
        mine = [where[m] for m in adjacent[u] if m in where]
        theirs = [where[m] for m in adjacent[v] if m in where]
        total += sum(1 for a in mine for b in theirs if a > b)
    return total


def _transpose(rows: list[list[str]], up, down) -> None:
    """Swaps neighbours in a row while that lowers the crossings (Gansner et al.'s "transpose")."""
    improved, rounds = True, 0
    while improved and rounds < 50:
        improved, rounds = False, rounds + 1
        for r, row in enumerate(rows):
            where_up = {n: i for i, n in enumerate(rows[r - 1])} if r > 0 else {}
            where_down = {n: i for i, n in enumerate(rows[r + 1])} if r + 1 < len(rows) else {}
            for i in range(len(row) - 1):
                u, v = row[i], row[i + 1]
                if _pair_crossings(v, u, up, down, where_up, where_down) < _pair_crossings(
                    u, v, up, down, where_up, where_down
                ):
                    row[i], row[i + 1] = v, u
                    improved = True


def _sift(rows: list[list[str]], up, down) -> None:
    """Moves each node to the place in its row with the fewest crossings (Matuszewski et al.'s sifting)."""
    for r, row in enumerate(rows):
        where_up = {n: i for i, n in enumerate(rows[r - 1])} if r > 0 else {}
        where_down = {n: i for i, n in enumerate(rows[r + 1])} if r + 1 < len(rows) else {}
        pair = {(u, v): _pair_crossings(u, v, up, down, where_up, where_down) for u in row for v in row if u != v}
        for node in list(row):
            others = [n for n in row if n != node]
            # At place 0 the node is left of everyone; each step right passes one more of the others.
            cost = best_cost = sum(pair[(node, o)] for o in others)
            best = 0
            for place, other in enumerate(others, start=1):
                cost += pair[(other, node)] - pair[(node, other)]
                if cost < best_cost:
                    best, best_cost = place, cost
            others.insert(best, node)
            row[:] = others


def _pav(desired: list[float], gaps: list[float]) -> list[float]:
    """Least-squares positions close to ``desired`` with x[i+1] - x[i] >= gaps[i] (in order)."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    # Substituting y = x - offset turns the gaps into y[i] <= y[i+1]: isotonic regression.
    blocks: list[list[float]] = []  # [mean, weight]
    for value in (d - o for d, o in zip(desired, offsets, strict=True)):
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight = blocks.pop()
            blocks[-1][0] = (blocks[-1][0] * blocks[-1][1] + mean * weight) / (blocks[-1][1] + weight)
            blocks[-1][1] += weight
    ys = [mean for mean, weight in blocks for _ in range(int(weight))]
    return [y + o for y, o in zip(ys, offsets, strict=True)]


def _place(rows, chains, widths, gap_x) -> dict[str, float]:
    """Each node's centre x."""
    up, down = _neighbours(chains)
    xs: dict[str, float] = {}
    for row in rows:  # start packed from the left
        x = 0.0
        for n in row:
            xs[n] = x + widths[n] / 2
            x += widths[n] + gap_x
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        for row in rows if downward else reversed(rows):
            adjacent = up if downward else down
            desired = []
            for n in row:
                linked = [xs[m] for m in adjacent[n]] or [xs[m] for m in (down if downward else up)[n]]
                desired.append(sum(linked) / len(linked) if linked else xs[n])
            gaps = [(widths[a] + widths[b]) / 2 + gap_x for a, b in itertools.pairwise(row)]
            for n, x in zip(row, _pav(desired, gaps), strict=True):
                xs[n] = x
    return xs


def _bands(rows, sizes, gap_y) -> tuple[list[float], list[float], float]:
    """Each row's top and bottom (the tallest real box in it), and the total height."""
    tops, bottoms, y = [], [], 0.0
    for row in rows:
        tops.append(y)
        y += max((sizes[n][1] for n in row if n in sizes), default=0.0)
        bottoms.append(y)
        y += gap_y
    return tops, bottoms, max(y - gap_y, 0.0)


def _routes(edges, chains, rank, xs, left, positions, sizes, tops, bottoms) -> dict[tuple[str, str], list[Point]]:
    """One polyline per edge: down its source's column, across the bands, down its dummies' columns."""
    # Ports spread along the edge of a box, ordered by where the other end is, so that edges
    # leaving (or entering) one box do not cross each other there.
    out_ports, in_ports = defaultdict(list), defaultdict(list)
    for s, t in edges:
        chain = chains[(s, t)]
        out_ports[s].append((xs[chain[1]], (s, t)))
        in_ports[t].append((xs[chain[-2]], (s, t)))

    def port(node: str, ports: list, edge: tuple[str, str]) -> float:
        ordered = [e for _, e in sorted(ports)]
        x0, width = positions[node][0], sizes[node][0]
        return x0 + width * (ordered.index(edge) + 1) / (len(ordered) + 1)

    routes = {}
    for s, t in edges:
        chain = chains[(s, t)]
        start = port(s, out_ports[s], (s, t))
        points = [(start, positions[s][1] + sizes[s][1]), (start, bottoms[rank[s]])]
        for dummy in chain[1:-1]:
            r = rank[s] + chain.index(dummy)
            points += [(xs[dummy] - left, tops[r]), (xs[dummy] - left, bottoms[r])]
        points.append((port(t, in_ports[t], (s, t)), tops[rank[t]]))
        routes[(s, t)] = _without_repeats(points)
    return routes


def _without_repeats(points: list[Point]) -> list[Point]:
    kept = [points[0]]
    for p in points[1:]:
        if abs(p[0] - kept[-1][0]) > 1e-9 or abs(p[1] - kept[-1][1]) > 1e-9:
            kept.append(p)
    return kept
