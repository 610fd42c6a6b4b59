"""Independent tasks at once: kfp.local's DAG loops replaced by loops that start every ready task (kfp >= 2.17).

kfp.local runs a DAG's tasks one after another in topological order: ``dag_orchestrator.run_dag``
for a plain pipeline, ``enhanced_dag_orchestrator.run_enhanced_dag`` when it has conditions,
loops, nested pipelines or an exit handler; and a ``dsl.ParallelFor``'s iterations at most two at
a time whatever its ``parallelism``. :func:`scheduled` replaces both loops for one run with loops
that start each task as soon as its upstream tasks have ended, up to the run's limit of tasks
running at once (:class:`~utils.common.ready_set.Slots`: only tasks that run something hold a
slot, not the nested pipelines that wait for theirs), and a loop's iterations up to its
``parallelism``. With one slot, tasks run one at a time in kfp's own order.

Everything a task does stays kfp's, called unchanged: how it runs (cache, retries, importers:
``execute_task`` / ``execute_single_task``), how a condition is evaluated, how a loop's items and
iterations are made (``_run_parallel_for_task``), how inputs and outputs are resolved. Only the
order is ours, and what a failure does, as kfp's control-flow loop does it for every pipeline: the
failed task's downstream tasks are skipped (unless they run on completion,
``ignore_upstream_failure``), tasks that do not depend on it run to their end, exit tasks run
after the body, and the DAG fails. kfp's plain loop stops at the first failure instead, so which
independent tasks had run depended on the order it picked.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from loguru import logger

from utils.common.ready_set import Cancelled, Ended, ReadySet, Slots
from utils.kfp_seams.seam import Seam, arguments
from utils.kfp_seams.versions import kfp_version

_PLAIN = "kfp.local.orchestrator.dag_orchestrator"
_CONTROL_FLOW = "kfp.local.orchestrator.enhanced_dag_orchestrator"
_UTILS = "kfp.local.orchestrator.orchestrator_utils"
_DAG_PARAMETERS = (
    "pipeline_resource_name",
    "dag_component_spec",
    "executors",
    "components",
    "dag_arguments",
    "pipeline_root",
    "runner",
    "unique_pipeline_id",
    "fail_stack",
    "parent_io_store",
)
_TASK_PARAMETERS = (
    "task_name",
    "task_spec",
    "pipeline_resource_name",
    "components",
    "executors",
    "io_store",
    "pipeline_root",
    "runner",
    "unique_pipeline_id",
    "fail_stack",
)
PLAIN_DAG = Seam(
    _PLAIN,
    "run_dag",
    since=(2, 17),
    until=None,
    parameters=_DAG_PARAMETERS,
    why="runs a plain pipeline's tasks one after another: replaced by a loop that starts every ready task",
)
CONTROL_FLOW_DAG = Seam(
    _CONTROL_FLOW,
    "run_enhanced_dag",
    since=(2, 17),
    until=None,
    parameters=_DAG_PARAMETERS,
    why="runs a control-flow pipeline's tasks one after another: replaced by a loop that starts every ready task",
)
SEAMS = (PLAIN_DAG, CONTROL_FLOW_DAG)
# kfp's own pieces the loops call unchanged; the canaries check them like the replaced ones.
BORROWED = (
    Seam(_CONTROL_FLOW, "execute_task", (2, 17), None, _TASK_PARAMETERS, "runs one task or nested pipeline"),
    Seam(
        _CONTROL_FLOW,
        "_run_parallel_for_task",
        (2, 17),
        None,
        (*_TASK_PARAMETERS, "parallel_executor"),
        "makes a loop's iterations and hands them to our executor",
    ),
    Seam(
        _CONTROL_FLOW,
        "ParallelExecutor.execute_parallel_tasks",
        (2, 17),
        None,
        ("tasks", *_TASK_PARAMETERS[2:], "parallelism_limit"),
        "what Iterations stands in for: kfp calls it with these arguments",
    ),
    Seam(_CONTROL_FLOW, "_has_task_final_status_input", (2, 17), None, ("task_spec",), "tells an exit task"),
    Seam(_CONTROL_FLOW, "_has_valid_iterator", (2, 17), None, ("task_spec",), "tells a loop"),
    Seam(
        _CONTROL_FLOW,
        "ConditionEvaluator.evaluate_condition",
        (2, 17),
        None,
        ("condition", "io_store"),
        "decides a condition",
    ),
    Seam(
        _UTILS,
        "OrchestratorUtils.join_user_inputs_and_defaults",
        (2, 17),
        None,
        ("dag_arguments", "dag_inputs_spec"),
        "a DAG's inputs",
    ),
    Seam(_UTILS, "OrchestratorUtils.get_dag_outputs", (2, 17), None, ("dag_outputs_spec", "io_store"), "its outputs"),
    Seam("kfp.local.io", "IOStore", (2, 17), None, ("parent",), "a DAG's values, chained to its parent's"),
    Seam("kfp.local.graph_utils", "topological_sort_tasks", (2, 17), None, ("tasks",), "kfp's order of tasks"),
)
# The limit that keeps kfp's own loops, untouched: one task at a time, loops two iterations at once.
KFP_OWN_LOOPS = 0
# How long a stopped run waits for its tasks' threads to see their processes end.
STOP_WAIT = 5.0
_SKIPPED, _NOT_MET = "skipped", "condition not met"


def default_parallelism() -> int:
    """The cores this process may use (a container's or a CPU set's limit, where there is one)."""
    counted = getattr(os, "process_cpu_count", None)  # Python >= 3.13
    if counted is not None:
        return counted() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


@contextlib.contextmanager
def scheduled(max_parallel: int, on_stop: Sequence[Callable[[], None]] = ()) -> Iterator[None]:
    """Runs a run's independent tasks at once, at most ``max_parallel`` of them.

    Args:
        max_parallel: At most this many tasks running at once (1: one at a time, in kfp's order;
            :data:`KFP_OWN_LOOPS`: kfp's own loops, unchanged).
        on_stop: What ends the tasks still running when the run is stopped (Ctrl-C, SIGTERM):
            their processes, their containers.
    """
    if max_parallel == KFP_OWN_LOOPS:
        yield
        return
    if not PLAIN_DAG.applies():
        if max_parallel > 1:
            version = ".".join(map(str, kfp_version()))
            logger.info("kfp {} runs the tasks one after another (independent tasks at once need kfp >= 2.17)", version)
        yield
        return
    slots = Slots(max_parallel)
    with (
        PLAIN_DAG.replaced(lambda original: _plain_dag(original, slots)),
        CONTROL_FLOW_DAG.replaced(lambda original: _control_flow_dag(original, slots)),
    ):
        try:
            yield
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP turned into one
            slots.stopping.set()
            for stop in on_stop:
                stop()
            slots.join(STOP_WAIT)
            raise
        except BaseException:
            slots.stopping.set()
            raise


def _kfp(module: str) -> Any:
    return importlib.import_module(module)


class _DagTasks:
    """How one DAG's tasks are started: kfp's arguments common to all of them, and the run's slots."""

    def __init__(self, values: dict[str, Any], io_store: Any, slots: Slots, run_one: Callable[..., Any]) -> None:
        self.values, self.io_store, self.slots, self._run_one = values, io_store, slots, run_one

    def is_pipeline(self, spec: Any) -> bool:
        """Whether the task runs a nested pipeline (which holds no slot: its own tasks do)."""
        return self.values["components"][spec.component_ref.name].WhichOneof("implementation") == "dag"

    def job(self, name: str, spec: Any) -> Callable[[], Any]:
        """The task as a job: it waits for a slot (taken in line now) unless it runs a nested pipeline."""
        call = functools.partial(self._run_one, self, name, spec)
        if self.is_pipeline(spec):
            return call
        ticket = self.slots.ticket()

        def in_slot() -> Any:
            with ticket:
                return call()

        return in_slot

    def common(self, **more: Any) -> dict[str, Any]:
        """The keyword arguments kfp's functions take for a task of this DAG, and ``more``."""
        shared = _TASK_PARAMETERS[2:]  # all but the task's own name and spec
        return {**{key: self.values[key] for key in shared if key != "io_store"}, "io_store": self.io_store, **more}


def _io_store(values: dict[str, Any]) -> Any:
    utils = _kfp(_UTILS).OrchestratorUtils
    store = _kfp("kfp.local.io").IOStore(parent=values.get("parent_io_store"))
    defaults = utils.join_user_inputs_and_defaults(
        dag_arguments=values["dag_arguments"], dag_inputs_spec=values["dag_component_spec"].input_definitions
    )
    for key, value in defaults.items():
        store.put_parent_input(key, value)
    return store


def _order(tasks: dict[str, Any]) -> list[str]:
    # kfp's order (a stack it pops from the end), as a list of preference.
    return list(reversed(_kfp("kfp.local.graph_utils").topological_sort_tasks(tasks)))


def _skipping(name: str, failed_upstream: list[str]) -> Callable[[], str]:
    _say(f"Skipping task {name}: upstream task(s) {sorted(failed_upstream)} failed.")
    return lambda: _SKIPPED


def _say(line: str) -> None:
    # In kfp's own log format, always shown (kfp's loop logs it where it is mostly not).
    with _kfp("kfp.local.logging_utils").local_logger_context():
        logging.info(line)


def _plain_dag(original: Callable[..., Any], slots: Slots) -> Callable[..., Any]:
    def run_dag(*args: Any, **kwargs: Any) -> Any:
        values = arguments(original, args, kwargs)
        status = _kfp("kfp.local.status").Status
        tasks = dict(values["dag_component_spec"].dag.tasks)
        dag = _DagTasks(values, _io_store(values), slots, _run_plain_task)
        failed: set[str] = set()
        errors: list[BaseException] = []

        def make_job(name: str) -> Callable[[], Any]:
            upstream_failed = [dep for dep in tasks[name].dependent_tasks if dep in failed]
            return _skipping(name, upstream_failed) if upstream_failed else dag.job(name, tasks[name])

        def ended(end: Ended[Any]) -> None:
            if _failed_with_error(end, errors, slots):
                return
            if end.result == _SKIPPED:
                failed.add(end.name)
                return
            outputs, task_status = end.result
            if task_status == status.FAILURE:
                values["fail_stack"].append(end.name)
                failed.add(end.name)
            elif task_status == status.SUCCESS:
                for key, output in outputs.items():
                    dag.io_store.put_task_output(end.name, key, output)
            else:
                errors.append(ValueError(f"Got unknown task status: {task_status.name}"))

        needs = {name: set(spec.dependent_tasks) for name, spec in tasks.items()}
        ReadySet(_order(tasks), needs, slots).run(make_job, ended)
        if errors:
            raise errors[0]
        if failed:
            return {}, status.FAILURE
        return _dag_outputs(values, dag), status.SUCCESS

    return run_dag


def _dag_outputs(values: dict[str, Any], dag: _DagTasks) -> dict[str, Any]:
    utils = _kfp(_UTILS).OrchestratorUtils
    return utils.get_dag_outputs(dag_outputs_spec=values["dag_component_spec"].dag.outputs, io_store=dag.io_store)


def _run_plain_task(dag: _DagTasks, name: str, spec: Any) -> Any:
    # kfp sends every pipeline with a nested one to the control-flow loop: this one runs
    # containers and importers only (a nested pipeline here gets kfp's own "unknown
    # implementation" error).
    executor = _kfp("kfp.local.orchestrator.task_executor")
    return executor.execute_single_task(**dag.common(task_name=name, task_spec=spec))


def _run_control_flow_task(dag: _DagTasks, name: str, spec: Any) -> Any:
    return _kfp(_CONTROL_FLOW).execute_task(**dag.common(task_name=name, task_spec=spec))


def _failed_with_error(end: Ended[Any], errors: list[BaseException], slots: Slots) -> bool:
    """Keeps a job's exception (the DAG raises it once its running tasks end); no task starts after it."""
    if end.error is None:
        return False
    if not isinstance(end.error, Cancelled):
        errors.append(end.error)
    slots.stopping.set()
    return True


def _control_flow_dag(original: Callable[..., Any], slots: Slots) -> Callable[..., Any]:
    def run_enhanced_dag(*args: Any, **kwargs: Any) -> Any:
        values = arguments(original, args, kwargs)
        kfp_loop = _kfp(_CONTROL_FLOW)
        status = _kfp("kfp.local.status").Status
        on_completion = _kfp("kfp.pipeline_spec.pipeline_spec_pb2").PipelineTaskSpec.TriggerPolicy.TriggerStrategy
        dag = _DagTasks(values, _io_store(values), slots, _run_control_flow_task)
        exit_tasks, body = [], {}
        for name, spec in values["dag_component_spec"].dag.tasks.items():
            is_exit = spec.trigger_policy.strategy == on_completion.ALL_UPSTREAM_TASKS_COMPLETED
            if is_exit and kfp_loop._has_task_final_status_input(spec):
                exit_tasks.append((name, spec))
            else:
                body[name] = spec
        failed: set[str] = set()
        errors: list[BaseException] = []
        loops: set[str] = set()

        def make_job(name: str) -> Callable[[], Any]:
            spec = body[name]
            upstream_failed = [dep for dep in spec.dependent_tasks if dep in failed]
            if upstream_failed and spec.trigger_policy.strategy != on_completion.ALL_UPSTREAM_TASKS_COMPLETED:
                dag.io_store.put_task_status(name, "FAILED")
                return _skipping(name, upstream_failed)
            condition = spec.trigger_policy.condition
            if condition:
                if not kfp_loop.ConditionEvaluator.evaluate_condition(condition, dag.io_store):
                    _say(f"Skipping conditional task {name} (condition evaluated to False)")
                    return lambda: _NOT_MET
            elif spec.WhichOneof("iterator") and kfp_loop._has_valid_iterator(spec):
                loops.add(name)
                return functools.partial(
                    kfp_loop._run_parallel_for_task,
                    **dag.common(task_name=name, task_spec=spec, parallel_executor=Iterations(slots)),
                )
            return dag.job(name, spec)

        def ended(end: Ended[Any]) -> None:
            if _failed_with_error(end, errors, slots) or end.result == _NOT_MET:
                return
            if end.result == _SKIPPED:
                failed.add(end.name)
            elif end.name in loops:
                if end.result:  # kfp: True when the loop failed
                    failed.add(end.name)
            else:
                _keep(dag, end.name, *end.result, failed)

        needs = {name: set(spec.dependent_tasks) for name, spec in body.items()}
        if body:
            ReadySet(_order(body), needs, slots).run(make_job, ended)
        if errors:
            raise errors[0]
        if failed and not exit_tasks:
            return {}, status.FAILURE
        exit_failed: set[str] = set()
        for name, spec in exit_tasks:  # after the body, one after another, as kfp runs them
            _keep(dag, name, *dag.job(name, spec)(), exit_failed)
        if failed or exit_failed:
            return {}, status.FAILURE
        return _dag_outputs(values, dag), status.SUCCESS

    return run_enhanced_dag


def _keep(dag: _DagTasks, name: str, outputs: dict[str, Any], task_status: Any, failed: set[str]) -> None:
    """Records a control-flow task's end as kfp's loop does: its status, then its outputs or its failure."""
    succeeded = task_status == _kfp("kfp.local.status").Status.SUCCESS
    dag.io_store.put_task_status(name, "SUCCEEDED" if succeeded else "FAILED")
    if succeeded:
        for key, output in outputs.items():
            dag.io_store.put_task_output(name, key, output)
    else:
        dag.values["fail_stack"].append(name)
        failed.add(name)


class Iterations:
    """Runs a ``dsl.ParallelFor``'s iterations up to its ``parallelism`` (and the run's limit), in kfp's place.

    kfp's ``ParallelExecutor`` caps every loop at two iterations at once; this one has its
    ``execute_parallel_tasks``, with the same arguments and result, without that cap.
    """

    def __init__(self, slots: Slots) -> None:
        """Iterations share the run's ``slots`` with every other task."""
        self._slots = slots

    def execute_parallel_tasks(
        self, tasks: list[tuple[str, Any]], parallelism_limit: int = 0, **shared: Any
    ) -> tuple[dict[str, Any], Any]:
        """Runs every iteration; kfp's result: the outputs by iteration and SUCCESS, or ({}, FAILURE).

        ``shared`` is what kfp passes for every iteration (``io_store``, ``fail_stack``...; the
        canaries check kfp still calls it so). As kfp's does, every iteration runs even when one
        fails, and the first to fail is named in ``fail_stack``.
        """
        status = _kfp("kfp.local.status").Status
        io_store = shared["io_store"]
        dag = _DagTasks(shared, io_store, self._slots, _run_control_flow_task)
        specs = dict(tasks)
        outputs_by: dict[str, Any] = {}
        failed: list[str] = []

        def ended(end: Ended[Any]) -> None:
            if end.error is not None:
                if not isinstance(end.error, Cancelled):
                    logging.error(f"Task {end.name} failed with exception: {end.error}")
                failed.append(end.name)
                return
            outputs, task_status = end.result
            if task_status == status.FAILURE:
                failed.append(end.name)
                return
            outputs_by[end.name] = outputs
            for key, output in outputs.items():
                io_store.put_task_output(end.name, key, output)

        limit = min(parallelism_limit or self._slots.limit, self._slots.limit)
        ReadySet(list(specs), {}, self._slots, limit).run(lambda name: dag.job(name, specs[name]), ended)
        if failed:
            shared["fail_stack"].append(failed[0])
            return {}, status.FAILURE
        return outputs_by, status.SUCCESS
