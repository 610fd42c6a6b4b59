"""Jobs of a graph run as soon as what they need has ended, within the run's slots, first come first served."""

import threading
import time

import pytest

from utils.common.ready_set import Cancelled, ReadySet, Slots


class Log:
    """What the jobs did, in order, from any thread."""

    def __init__(self):
        self.events, self._lock = [], threading.Lock()

    def add(self, event):
        with self._lock:
            self.events.append(event)


def job_in_slot(slots, log, name, seconds=0.05, also=None):
    ticket = slots.ticket()

    def job():
        with ticket:
            log.add(("start", name))
            if also is not None:
                also()
            time.sleep(seconds)
            log.add(("end", name))
            return name

    return job


def test_with_one_slot_jobs_run_one_at_a_time_in_the_graphs_order():
    slots, log = Slots(1), Log()
    graph = ReadySet(["c", "a", "b"], {}, slots)
    ended = []
    graph.run(lambda name: job_in_slot(slots, log, name), lambda end: ended.append(end.result))
    assert log.events == [("start", "c"), ("end", "c"), ("start", "a"), ("end", "a"), ("start", "b"), ("end", "b")]
    assert ended == ["c", "a", "b"]


def test_with_one_slot_a_graph_runs_one_job_at_a_time_so_its_order_is_depth_first():
    slots, log = Slots(1), Log()
    # kfp's order for two chains: first then its follower, then second then its follower.
    graph = ReadySet(
        ["first", "after-first", "second", "after-second"],
        {"after-first": {"first"}, "after-second": {"second"}},
        slots,
    )
    graph.run(lambda name: job_in_slot(slots, log, name, seconds=0), lambda end: None)
    assert [name for event, name in log.events if event == "start"] == [
        "first",
        "after-first",
        "second",
        "after-second",
    ]


def test_a_job_starts_only_after_every_job_it_needs_has_ended_and_been_handed_back():
    slots, log = Slots(4), Log()
    handed = []
    graph = ReadySet(["left", "right", "join"], {"join": {"left", "right"}}, slots)

    def ended(end):
        handed.append(end.name)
        log.add(("handed", end.name))

    graph.run(lambda name: job_in_slot(slots, log, name), ended)
    join_start = log.events.index(("start", "join"))
    assert log.events.index(("handed", "left")) < join_start and log.events.index(("handed", "right")) < join_start


def test_independent_jobs_run_at_the_same_time():
    slots, log = Slots(2), Log()
    both = threading.Barrier(2, timeout=10)  # broken (an error) unless both jobs are in it at once
    graph = ReadySet(["a", "b"], {}, slots)
    errors = []
    graph.run(lambda name: job_in_slot(slots, log, name, also=both.wait), lambda end: errors.append(end.error))
    assert errors == [None, None]


def test_a_graphs_own_limit_caps_its_jobs_below_the_runs_slots():
    slots = Slots(8)
    running, peak, lock = [0], [0], threading.Lock()

    def counted():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1

    graph = ReadySet([f"i{n}" for n in range(6)], {}, slots, limit=3)
    graph.run(lambda name: counted, lambda end: None)
    assert peak[0] == 3


def test_a_stopped_run_starts_nothing_more_and_waiting_jobs_are_cancelled():
    slots, log = Slots(1), Log()
    first = slots.ticket()
    first.__enter__()
    waiting = slots.ticket()
    result = []

    def wait_for_slot():
        try:
            with waiting:
                result.append("ran")
        except Cancelled:
            result.append("cancelled")

    thread = threading.Thread(target=wait_for_slot)
    thread.start()
    slots.stopping.set()
    thread.join(5)
    first.cancel()
    assert result == ["cancelled"]
    graph = ReadySet(["never"], {}, slots)
    assert graph.run(lambda name: lambda: log.add(name), lambda end: None) == ["never"]
    assert log.events == []


def test_an_interrupted_graph_marks_the_run_stopping():
    slots = Slots(1)
    graph = ReadySet(["a"], {}, slots)

    def interrupt(end):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        graph.run(lambda name: lambda: name, interrupt)
    assert slots.stopping.is_set()


def test_a_run_needs_a_slot():
    with pytest.raises(ValueError, match="at least one slot"):
        Slots(0)
