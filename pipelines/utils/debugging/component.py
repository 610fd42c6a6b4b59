"""``@debuggable_component``: a drop-in for ``@dsl.component`` whose tasks can wait for a debugger.

KFP ships a lightweight component as its function's source and runs it from a generated
``ephemeral_component.py``. So the debugger start-up must be part of that source: this module
parses the function, puts the bootstrap from :mod:`utils.debugging.bootstrap` at the top of its
body (as AST nodes: decorators, docstrings and multi-line signatures come through intact),
compiles the result and registers its text with ``linecache``, where ``inspect.getsource``
(and so KFP) reads it. The signature, inputs and outputs stay the user's.

Turn debugging on per task at definition time (``train_model(data=..., debug=True)``), for
named tasks while a pipeline is defined (``with debug_tasks({"train-model"}): ...``), or by
environment in the task (``KFP_DEBUG=train-model``; see :mod:`utils.debugging.bootstrap`).
"""

from __future__ import annotations
import __future__

import ast
import contextlib
import contextvars
import inspect
import itertools
import linecache
import textwrap
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kfp import dsl
from kfp.dsl.python_component import PythonComponent

from utils.debugging import bootstrap as debug_bootstrap
from utils.kfp_seams.task_names import next_task_name
from utils.pipeline.task_graph import normalise
from utils.pipeline.types import Pipeline

DEFAULT_PORT = 5678
DEBUGGERS = ("debugpy", "remote-pdb")
# Tasks to debug while a pipeline is defined, with the debug options for them.
_forced: contextvars.ContextVar[tuple[frozenset[str], dict[str, Any]]] = contextvars.ContextVar(
    "debug_tasks", default=(frozenset(), {})
)
_serial = itertools.count()
# Put after the bootstrap helper; CALL becomes the call with the baked-in arguments. The
# breakpoint() call sits in the component's own frame, so the debugger stops right there.
_START = """
_pipe_fiction_debugger = CALL
if _pipe_fiction_debugger is not None:
    _pipe_fiction_debugger.breakpoint()
"""


def debuggable_component(
    func: Callable[..., Any] | None = None,
    *,
    debugger: str = "debugpy",
    debug_port: int = DEFAULT_PORT,
    debug_timeout: float | None = None,
    **component_kwargs: Any,
) -> Any:
    """Like ``@dsl.component`` (same keyword arguments), plus debugger defaults for its tasks.

    Args:
        func: The component function (when used without parentheses).
        debugger: ``debugpy`` (attach from VS Code) or ``remote-pdb`` (telnet).
        debug_port: The port a debugged task listens on.
        debug_timeout: Seconds a debugged task waits for a client before failing; None waits.
        **component_kwargs: Passed to ``dsl.component`` (``base_image``, ...).

    Returns:
        A :class:`DebuggableComponent`, or a decorator making one.
    """
    if debugger not in DEBUGGERS:
        raise ValueError(f"debugger must be one of {DEBUGGERS}, got {debugger!r}")

    def wrap(f: Callable[..., Any]) -> DebuggableComponent:
        return DebuggableComponent(f, debugger, debug_port, debug_timeout, component_kwargs)

    return wrap(func) if func is not None else wrap


@contextlib.contextmanager
def debug_tasks(names: Iterable[str], **options: Any) -> Iterator[None]:
    """Turns debugging on for the named tasks created inside the block (and no other task).

    Args:
        names: Task names as the pipeline gives them, e.g. ``{"train-model", "verdict-2"}`` (a
            name inside a sub-pipeline may be qualified: ``inner-pipeline/train-model``).
        **options: ``debug_port``, ``debugger``, ``debug_timeout`` for those tasks (None: default).
    """
    wanted = frozenset(normalise(n).rsplit("/", 1)[-1] for n in names)
    token = _forced.set((wanted, {k: v for k, v in options.items() if v is not None}))
    try:
        yield
    finally:
        _forced.reset(token)


def with_debugging(pipeline: Pipeline, names: Iterable[str], **options: Any) -> Pipeline:
    """Rebuilds a ``@dsl.pipeline`` with debugging baked into the named tasks (as for a cluster run).

    ``@dsl.pipeline`` creates its tasks when the module is imported, so the named tasks only
    change if the pipeline function runs again inside :func:`debug_tasks`.
    """
    names = list(names)
    if not names:
        return pipeline
    with debug_tasks(names, **options):
        return dsl.pipeline(name=pipeline.name, description=pipeline.description)(pipeline.pipeline_func)


class DebuggableComponent(PythonComponent):
    """A Python component with a debug variant; calling it with ``debug=True`` uses that variant."""

    def __init__(
        self,
        func: Callable[..., Any],
        debugger: str,
        port: int,
        timeout: float | None,
        component_kwargs: dict[str, Any],
    ) -> None:
        self._func, self._kwargs = func, component_kwargs
        self._defaults = (port, debugger, timeout)
        self._variants: dict[tuple[Any, ...], PythonComponent] = {}
        plain = self._variant(enabled=False, port=port, debugger=debugger, timeout=timeout)
        super().__init__(component_spec=plain.component_spec, python_func=plain.python_func)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Creates a task; ``debug``, ``debug_port``, ``debugger`` and ``debug_timeout`` choose the variant."""
        # A component input of the same name (the user's own `debug`, say) is left to the component.
        names = [k for k in ("debug", "debug_port", "debugger", "debug_timeout") if k not in self._component_inputs]
        options = {k: kwargs.pop(k) for k in names if k in kwargs}
        forced, forced_options = _forced.get()
        # The task this call creates gets its name now: only that task (verdict-2, not every
        # verdict) is debugged.
        if forced and next_task_name(self.component_spec.name) in forced:
            options = {"debug": True, **forced_options, **options}
        if not options.get("debug"):
            return super().__call__(*args, **kwargs)
        port, debugger, timeout = self._defaults
        variant = self._variant(
            enabled=True,
            port=options.get("debug_port", port),
            debugger=options.get("debugger", debugger),
            timeout=options.get("debug_timeout", timeout),
        )
        return variant(*args, **kwargs)

    def _variant(self, **bootstrap: Any) -> PythonComponent:
        key = tuple(sorted(bootstrap.items()))
        if key not in self._variants:
            generated = with_bootstrap(self._func, component=normalise(self._func.__name__), **bootstrap)
            self._variants[key] = dsl.component(generated, **self._kwargs)
        return self._variants[key]


def with_bootstrap(func: Callable[..., Any], **bootstrap: Any) -> Callable[..., Any]:
    """Returns ``func`` rebuilt with the debug bootstrap at the top of its body.

    Args:
        func: The component function.
        **bootstrap: The baked-in arguments of ``pipe_fiction_debug`` (component, enabled,
            port, debugger, timeout).

    Returns:
        A function with the same name, signature, docstring and annotations.
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == func.__name__)
    node.decorator_list = []
    docstring = node.body[:1] if ast.get_docstring(node) is not None else []
    node.body = docstring + _bootstrap_statements(bootstrap) + node.body[len(docstring) :]
    source = ast.unparse(ast.fix_missing_locations(ast.Module(body=[node], type_ignores=[]))) + "\n"
    filename = f"<debuggable {func.__module__}.{func.__qualname__} #{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = dict(func.__globals__)  # annotations resolve as in the user's module
    # Compile under the user's future flags, not this module's (annotations must stay objects).
    flags = func.__code__.co_flags & __future__.annotations.compiler_flag
    exec(compile(source, filename, "exec", flags=flags, dont_inherit=True), namespace)
    generated = namespace[func.__name__]
    generated.__module__, generated.__qualname__ = func.__module__, func.__qualname__
    return generated


def _bootstrap_statements(bootstrap: dict[str, Any]) -> list[ast.stmt]:
    helper = ast.parse(textwrap.dedent(inspect.getsource(debug_bootstrap.pipe_fiction_debug))).body[0]
    helper.returns = None
    for arg in helper.args.args:
        arg.annotation = None
    order = ("component", "enabled", "port", "debugger", "timeout")
    call = ast.Call(
        func=ast.Name("pipe_fiction_debug", ast.Load()),
        args=[ast.Constant(bootstrap[name]) for name in order],
        keywords=[],
    )
    start = ast.parse(_START)
    start.body[0].value = call
    return [helper, *start.body]
