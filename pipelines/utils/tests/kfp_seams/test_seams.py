"""Canaries: every seam that applies to the installed kfp still finds its function, with its parameters.

When one fails, kfp moved or changed the function the seam replaces: adapt the seam (or give it
an ``until`` version), rather than letting a user's run break on it.
"""

import inspect
import sys

import pytest
from kfp import dsl

from utils.kfp_seams.local_run import RunHooks, hooked
from utils.kfp_seams.registry import all_seams
from utils.kfp_seams.task_names import next_task_name
from utils.kfp_seams.versions import kfp_version

SEAMS = all_seams()


@pytest.mark.parametrize("seam", SEAMS, ids=[seam.name for seam in SEAMS])
def test_every_seam_that_applies_finds_its_function_with_the_parameters_it_reads(seam):
    if not seam.applies():
        pytest.skip(f"{seam.name} applies to kfp {seam.since}..{seam.until}, not {kfp_version()}")
    target = seam.current()
    if seam.module == "sys":
        assert target is sys.stdout or hasattr(target, "write")
        return
    assert callable(target), seam.name
    parameters = inspect.signature(target).parameters
    missing = [name for name in seam.parameters if name not in parameters]
    assert missing == [], f"{seam.name} lost {missing}: {seam.why}"


def test_every_seam_says_why_and_for_which_versions():
    for seam in SEAMS:
        assert seam.why and seam.since >= (2, 7)
        assert seam.until is None or seam.until > seam.since


def test_a_run_puts_every_replaced_function_back():
    before = {seam.name: seam.current() for seam in SEAMS if seam.applies() and seam.module != "sys"}
    with hooked(RunHooks()):
        during = {name: seam.current() for seam in SEAMS for name in [seam.name] if name in before}
    after = {seam.name: seam.current() for seam in SEAMS if seam.name in before}
    assert after == before
    replaced = {name for name in before if during[name] is not before[name]}
    assert "kfp.local.task_dispatcher.run_single_task_implementation" in replaced


def test_the_predicted_task_names_are_the_names_kfp_gives():
    predicted = []

    @dsl.component(base_image="python:3.11")
    def verdict(label: str) -> str:
        return label

    @dsl.pipeline
    def three_verdicts():
        for label in ("a", "b", "c"):
            name = next_task_name(verdict.component_spec.name)
            task = verdict(label=label)
            predicted.append((name, task.name))

    assert [p for p, _ in predicted] == [a for _, a in predicted] == ["verdict", "verdict-2", "verdict-3"]
    assert three_verdicts.pipeline_spec is not None
    assert next_task_name("anything") is None  # outside a pipeline being defined
