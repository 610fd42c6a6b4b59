"""Every name the task graph gives is one task; what depends on a task is found through groups."""

import pytest

from utils.common.errors import UnknownTaskError
from utils.pipeline.task_graph import TaskGraph
from utils.tests.fixtures import pipelines as fixtures


def test_a_repeated_name_inside_a_sub_pipeline_is_qualified_and_each_name_is_one_task():
    graph = TaskGraph(fixtures.nested_pipeline)
    loop_task, inner_task = graph.find("make-words"), graph.find("fixture-inner/make-words")
    assert loop_task.path == ("for-loop-1",) and inner_task.path == ("fixture-inner",)
    assert loop_task.component != inner_task.component
    assert graph.in_loop(loop_task) and not graph.in_loop(inner_task)
    assert len({graph.find(name).component for name in graph.names()}) == len(graph.names())


def test_a_task_reported_by_its_component_is_found_under_its_name():
    graph = TaskGraph(fixtures.twice_pipeline)
    second = graph.find("make-words-2")
    assert graph.of_component(second.component) == second and second.folder == "make-words-2"


def test_an_unknown_name_lists_the_names_there_are():
    with pytest.raises(UnknownTaskError, match="no task 'nope' in the pipeline; its tasks: make-words, make-words-2"):
        TaskGraph(fixtures.twice_pipeline).find("nope")


def test_downstream_reaches_through_groups_and_names_are_normalised():
    graph = TaskGraph(fixtures.words_pipeline)
    assert {graph.key(n) for n in graph.downstream([graph.find("Write_Words")])} == {"write-words", "count-lines"}
    nested = TaskGraph(fixtures.nested_pipeline)
    assert {nested.key(n) for n in nested.downstream([nested.find("make-words")])} == {"make-words", "write-words"}
