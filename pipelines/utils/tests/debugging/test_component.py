"""The AST-built debuggable component keeps the user's signature, inputs, outputs and behaviour."""

import inspect

import pytest
from kfp import dsl, local

from utils.debugging.component import debuggable_component, with_bootstrap
from utils.image.task_image import task_image
from utils.local.run import init_local
from utils.tests.helpers import transform_samples

IMAGE = task_image()
SAMPLES = [transform_samples.awkward, transform_samples.with_artifacts]


@pytest.mark.parametrize("func", SAMPLES, ids=lambda f: f.__name__)
def test_component_interface_is_the_same_as_dsl_component(func):
    plain = dsl.component(func, base_image=IMAGE, install_kfp_package=False)
    debuggable = debuggable_component(func, base_image=IMAGE, install_kfp_package=False)
    assert debuggable.name == plain.name
    assert debuggable.description == plain.description
    assert debuggable.component_spec.inputs == plain.component_spec.inputs
    assert debuggable.component_spec.outputs == plain.component_spec.outputs
    # Compared as text: a NamedTuple(...) return annotation is a new class each time it is evaluated.
    assert str(inspect.signature(debuggable.python_func)) == str(inspect.signature(inspect.unwrap(func)))


def test_generated_function_keeps_docstring_name_and_runs_the_same():
    generated = with_bootstrap(
        transform_samples.awkward, component="awkward", enabled=False, port=1, debugger="debugpy", timeout=None
    )
    assert generated.__name__ == "awkward"
    assert generated.__doc__ == inspect.unwrap(transform_samples.awkward).__doc__
    assert tuple(generated(3, flags=[1, 2])) == (8, "a ) : def tricky(x):|0.5")
    source = inspect.getsource(generated)
    assert source.startswith("def awkward(")
    assert "@logged" not in source
    assert source.index("pipe_fiction_debug('awkward', False, 1, 'debugpy', None)") < source.index("namedtuple(")


def test_debuggable_component_runs_locally_with_named_tuple_outputs(tmp_path):
    init_local(local.SubprocessRunner(use_venv=False), tmp_path)
    component = debuggable_component(transform_samples.awkward, base_image=IMAGE, install_kfp_package=False)
    task = component(count=5, label="x")
    assert task.outputs["total"] == 10
    assert task.outputs["text"] == "x|0.5"


def test_unknown_debugger_is_refused():
    with pytest.raises(ValueError, match="debugger must be one of"):
        debuggable_component(transform_samples.awkward, debugger="gdb")


def test_bootstrap_announces_the_line_vs_code_waits_for():
    from utils.debugging import bootstrap as debug_bootstrap

    assert debug_bootstrap.WAITING in inspect.getsource(debug_bootstrap.pipe_fiction_debug)
