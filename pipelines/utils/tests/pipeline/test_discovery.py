"""The scripts find the pipeline whatever its name, and its tasks at any depth."""

import sys
import textwrap

import pytest

from utils.common.errors import PipelineNotFoundError
from utils.pipeline.discovery import load_pipeline, task_names
from utils.tests.fixtures import pipelines as fixtures


def test_a_module_with_a_pipeline_choice_gives_that_one():
    assert load_pipeline("utils.tests.fixtures.pipelines") is fixtures.words_pipeline


def test_module_colon_function_names_one():
    assert load_pipeline("utils.tests.fixtures.pipelines:nested_pipeline") is fixtures.nested_pipeline


def write_module(tmp_path, monkeypatch, name, body):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(name, None)


def test_the_one_pipeline_defined_in_a_module_is_found_whatever_its_name(tmp_path, monkeypatch):
    write_module(tmp_path, monkeypatch, "my_flow", """
        from kfp import dsl
        from utils.tests.fixtures.pipelines import make_words, words_pipeline  # an imported one is not its own

        @dsl.pipeline
        def whatever_name(n: int = 1):
            make_words(count=n, prefix="p")
    """)  # fmt: skip
    assert load_pipeline("my_flow").pipeline_func.__name__ == "whatever_name"


def test_several_pipelines_without_a_choice_are_refused_naming_them(tmp_path, monkeypatch):
    write_module(tmp_path, monkeypatch, "two_flows", """
        from kfp import dsl
        from utils.tests.fixtures.pipelines import make_words

        @dsl.pipeline
        def first():
            make_words(count=1, prefix="a")

        @dsl.pipeline
        def second():
            make_words(count=1, prefix="b")
    """)  # fmt: skip
    with pytest.raises(PipelineNotFoundError, match=r"several pipelines \(first, second\): set PIPELINE = "):
        load_pipeline("two_flows")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_such_module_here", "no pipeline module 'no_such_module_here'"),
        (
            "utils.tests.fixtures.pipelines:make_words",
            "utils.tests.fixtures.pipelines:make_words is not a @dsl.pipeline",
        ),
        ("utils.tests.helpers", "utils.tests.helpers defines no @dsl.pipeline"),
    ],
)
def test_what_is_not_a_pipeline_is_one_clear_error(spec, message):
    with pytest.raises(PipelineNotFoundError, match=message):
        load_pipeline(spec)


def test_task_names_are_found_inside_parallel_for_if_and_sub_pipelines():
    # make-words is in the loop and in the sub-pipeline: two tasks, two names.
    assert task_names(fixtures.nested_pipeline) == [
        "count-lines",
        "fixture-inner/make-words",
        "make-words",
        "write-words",
        "write-words-2",
    ]
    assert task_names(fixtures.words_pipeline) == ["count-lines", "make-words", "write-words"]


def test_make_tasks_lists_the_tasks(monkeypatch):
    import subprocess

    from utils.common.paths import PIPELINES_DIR

    out = subprocess.run(["make", "-s", "tasks"], cwd=PIPELINES_DIR.parent, capture_output=True, text=True, check=True)
    assert out.stdout.split() == task_names(fixtures.words_pipeline)
