"""The graph's layout, checked on the drawn SVG: no edge passes through a box, crossings stay at the unavoidable.

Geometry is read back from the SVG the page embeds: each DAG level's boxes (``rect`` of its
tasks and groups) and edges (``path`` polylines). For every level, no edge segment may cross the
interior of a box beside it, and the edges may cross each other no more often than a lower bound
computed here: one crossing for every edge-disjoint pair of nodes in one layer that both feed
the same pair in the next (a complete bipartite K2,2, which no order draws without a crossing).
"""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from utils.report.graph import layout, to_svg
from utils.report.layout import layered
from utils.tests.fixtures.graph_pipelines import skip_level_pipeline, twenty_task_pipeline
from utils.tests.fixtures.pipelines import nested_pipeline

SVG = "{http://www.w3.org/2000/svg}"
EPSILON = 0.5


def levels(svg: str):
    """Per DAG level (the pipeline, each group): its child boxes and its edges' polylines."""
    root = ET.fromstring(svg)
    found = []
    for level in root.iter(f"{SVG}g"):
        if level.get("class") not in ("dag", "group"):
            continue
        boxes = []
        for child in level:
            inner = child.find(f"{SVG}g") if child.tag == f"{SVG}a" else child
            if inner is not None and inner.tag == f"{SVG}g" and inner.get("class", "").split()[0] in ("task", "group"):
                rect = inner.find(f"{SVG}rect")
                x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
                boxes.append((inner.get("data-task"), (x, y, x + w, y + h)))
        edges = []
        for path in level.findall(f"{SVG}path"):
            if path.get("class") == "edge":
                points = [(float(x), float(y)) for x, y in re.findall(r"[ML]([-\d.]+),([-\d.]+)", path.get("d"))]
                edges.append(((path.get("data-from"), path.get("data-to")), points))
        found.append((level.get("data-task"), boxes, edges))
    return found


def crosses_interior(p, q, box) -> bool:
    """Whether segment p-q passes through the open interior of box (shrunk by EPSILON): Liang-Barsky."""
    x0, y0, x1, y1 = box[0] + EPSILON, box[1] + EPSILON, box[2] - EPSILON, box[3] - EPSILON
    dx, dy = q[0] - p[0], q[1] - p[1]
    low, high = 0.0, 1.0
    for step, distance in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if step == 0:
            if distance < 0:
                return False
            continue
        t = distance / step
        if step < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def segments(points):
    return list(itertools.pairwise(points))


def proper_crossing(a, b) -> bool:
    """Whether two segments cross at a point inside both (touching or sharing an end is not a crossing)."""
    (p, q), (r, s) = a, b

    def orient(u, v, w):
        return (v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])

    d1, d2, d3, d4 = orient(r, s, p), orient(r, s, q), orient(p, q, r), orient(p, q, s)
    return d1 * d2 < -1e-6 and d3 * d4 < -1e-6


def edge_crossings(edges) -> int:
    return sum(
        any(proper_crossing(x, y) for x in segments(a) for y in segments(b))
        for (_, a), (_, b) in itertools.combinations(edges, 2)
    )


def k22_lower_bound(nodes, edges) -> int:
    """Edge-disjoint K2,2 between consecutive layers (longest-path layers, long edges split)."""
    rank = {}

    def rank_of(n):
        if n not in rank:
            rank[n] = 1 + max((rank_of(s) for s, t in edges if t == n), default=-1)
        return rank[n]

    links = set()
    for s, t in edges:
        chain = [s, *[f"{s}>{t}@{r}" for r in range(rank_of(s) + 1, rank_of(t))], t]
        links.update(itertools.pairwise(chain))
    uppers = sorted({u for u, _ in links})
    used, bound = set(), 0
    for u1, u2 in itertools.combinations(uppers, 2):
        shared = sorted({v for u, v in links if u == u1} & {v for u, v in links if u == u2})
        for v1, v2 in itertools.combinations(shared, 2):
            quad = {(u1, v1), (u1, v2), (u2, v1), (u2, v2)}
            if not quad & used:
                used |= quad
                bound += 1
    return bound


PIPELINES = [skip_level_pipeline, twenty_task_pipeline, nested_pipeline]


@pytest.mark.parametrize("pipeline", PIPELINES, ids=lambda p: p.name)
def test_no_edge_segment_crosses_the_interior_of_a_box(pipeline):
    for name, boxes, edges in levels(to_svg(layout(pipeline), {})):
        for (source, target), points in edges:
            for p, q in segments(points):
                hit = [box for task, box in boxes if crosses_interior(p, q, box)]
                assert not hit, f"in {name}, edge {source} -> {target} crosses a box at {p}-{q}"


@pytest.mark.parametrize("pipeline", PIPELINES, ids=lambda p: p.name)
def test_edges_cross_no_more_often_than_the_unavoidable(pipeline):
    for name, boxes, edges in levels(to_svg(layout(pipeline), {})):
        bound = k22_lower_bound([task for task, _ in boxes], [edge for edge, _ in edges])
        assert edge_crossings(edges) <= bound, f"{name}: {edge_crossings(edges)} crossings, at least {bound} needed"


def test_the_twenty_task_pipeline_has_twenty_tasks_and_its_one_forced_crossing():
    svg = to_svg(layout(twenty_task_pipeline), {})
    assert svg.count('class="task ') == 20
    top = next(level for level in levels(svg) if level[0] == twenty_task_pipeline.name)
    assert k22_lower_bound([t for t, _ in top[1]], [e for e, _ in top[2]]) == 1 == edge_crossings(top[2])


def test_groups_are_labelled_as_the_pipeline_names_them_or_by_what_they_do():
    svg = to_svg(layout(twenty_task_pipeline), {})
    labels = re.findall(r'class="group-name">([^<]*)<', svg)
    assert "publish-enabled" in labels and "for each of items" in labels and "fixture-graph-inner" in labels
    nested = re.findall(r'class="group-name">([^<]*)<', to_svg(layout(nested_pipeline), {}))
    assert "if go == true" in nested and "for each of flags" in nested


def test_a_long_edge_is_routed_through_the_gaps_of_the_rows_it_passes():
    sizes = {n: (100.0, 40.0) for n in "abcd"}
    drawn = layered(sizes, [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")], 20, 30)
    route = drawn.routes[("a", "d")]
    assert len(route) > 2  # not a straight line from a to d, which would pass b and c
    for box in ("b", "c"):
        x, y = drawn.positions[box]
        assert not any(crosses_interior(p, q, (x, y, x + 100, y + 40)) for p, q in segments(route))
