"""The seam over kfp's DAG loops: why it exists, that it is put back, and that one slot is kfp's own order."""

import pytest
from kfp import local

from utils.kfp_seams import parallel_dags
from utils.kfp_seams.parallel_dags import CONTROL_FLOW_DAG, KFP_OWN_LOOPS, PLAIN_DAG, scheduled
from utils.kfp_seams.versions import kfp_version
from utils.local.run import run_pipeline
from utils.tests.fixtures import pipelines

pytestmark = pytest.mark.skipif(kfp_version() < (2, 17), reason="the seam applies from kfp 2.17")


def test_kfps_own_loop_still_caps_a_loops_iterations_at_two_whatever_its_parallelism():
    from kfp.local.orchestrator.enhanced_dag_orchestrator import ParallelExecutor

    # When this fails kfp honours parallelism itself: Iterations may then be kfp's own executor.
    assert ParallelExecutor(max_workers=8).max_workers == 2


def test_a_run_replaces_both_of_kfps_dag_loops_and_puts_them_back():
    before = PLAIN_DAG.current(), CONTROL_FLOW_DAG.current()
    with scheduled(3):
        assert PLAIN_DAG.current() is not before[0] and CONTROL_FLOW_DAG.current() is not before[1]
    assert (PLAIN_DAG.current(), CONTROL_FLOW_DAG.current()) == before
    with scheduled(KFP_OWN_LOOPS):  # kfp's own loops, untouched
        assert (PLAIN_DAG.current(), CONTROL_FLOW_DAG.current()) == before


def test_a_stopped_run_calls_what_ends_its_tasks_once():
    stopped = []
    with pytest.raises(KeyboardInterrupt), scheduled(2, on_stop=[lambda: stopped.append(True)]):
        raise KeyboardInterrupt
    assert stopped == [True]


def test_the_default_limit_is_the_cores_this_process_may_use():
    assert parallel_dags.default_parallelism() >= 1


@pytest.mark.parametrize(
    ("pipeline", "arguments"),
    [(pipelines.nested_pipeline, {}), (pipelines.twice_pipeline, {})],
    ids=["nested", "plain"],
)
def test_with_one_slot_tasks_run_one_at_a_time_in_kfps_own_order_with_kfps_results(tmp_path, pipeline, arguments):
    runner = local.SubprocessRunner(use_venv=False)
    own = run_pipeline(pipeline, runner, tmp_path / "kfp", arguments, max_parallel=KFP_OWN_LOOPS)
    ours = run_pipeline(pipeline, runner, tmp_path / "ours", arguments, max_parallel=1)
    if pipeline is pipelines.nested_pipeline:  # kfp runs its loop's two iterations at once, in no set order
        assert sorted(t.name for t in ours.tasks) == sorted(t.name for t in own.tasks)
    else:
        assert [t.name for t in ours.tasks] == [t.name for t in own.tasks]
    assert all(a.started + a.seconds <= b.started for a, b in zip(ours.tasks, ours.tasks[1:], strict=False))
    assert {t.name: set(t.outputs) for t in ours.tasks} == {t.name: set(t.outputs) for t in own.tasks}
    assert {k: v for k, v in ours.outputs.items() if not hasattr(v, "uri")} == {
        k: v for k, v in own.outputs.items() if not hasattr(v, "uri")
    }
