"""Running a graph of jobs as soon as what each needs has ended, several at once, in threads.

:class:`Slots` is a run's limit on how many jobs hold a slot at once, handed out first come, first
served. :class:`ReadySet`
runs one graph: it starts every job whose needs have ended (in the graph's order of preference),
hands each result to the caller in the calling thread, and stops starting jobs once the run is
stopping. Nested graphs (a job that runs a graph of its own) share the run's :class:`Slots`;
only jobs that do the work hold one, so a waiting parent never starves its children. With one
slot, every graph runs one job at a time, in its order: the run is then sequential, depth first.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
# How long the calling thread waits between looks at its queue: Ctrl-C reaches it in that time.
_POLL = 0.2


class Cancelled(Exception):
    """A job waited for a slot while the run stopped: it never started."""


class Slots:
    """How many jobs of a run may do their work at once; waiting jobs get a slot in the order they asked."""

    def __init__(self, limit: int) -> None:
        """At most ``limit`` (>= 1) slots held at once."""
        if limit < 1:
            raise ValueError(f"a run needs at least one slot, got {limit}")
        self.limit = limit
        self._free = limit
        self._waiting: collections.deque[object] = collections.deque()
        self._changed = threading.Condition()
        self.stopping = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._threads_lock = threading.Lock()

    def ticket(self) -> Ticket:
        """A place in the queue, taken now (call it where the order is decided); enter it to wait for the slot."""
        ticket = Ticket(self)
        with self._changed:
            self._waiting.append(ticket)
        return ticket

    def started(self, thread: threading.Thread) -> None:
        """Counts a job's thread as one of the run's (see :meth:`join`)."""
        with self._threads_lock:
            self._threads = {t for t in self._threads if t.is_alive()} | {thread}

    def join(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds for every job thread of the run to end; whether they all did."""
        deadline = time.monotonic() + timeout
        with self._threads_lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0))
        return not any(thread.is_alive() for thread in threads)

    def _take(self, ticket: Ticket) -> None:
        with self._changed:
            while not (self._free and self._waiting[0] is ticket):
                if self.stopping.is_set():
                    self._waiting.remove(ticket)
                    self._changed.notify_all()
                    raise Cancelled("the run is stopping")
                self._changed.wait(_POLL)
            self._waiting.popleft()
            self._free -= 1

    def _give_back(self, ticket: Ticket, held: bool) -> None:
        with self._changed:
            if held:
                self._free += 1
            else:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(ticket)
            self._changed.notify_all()


class Ticket:
    """One job's place in the queue for a slot: ``with ticket:`` waits for the slot and holds it."""

    def __init__(self, slots: Slots) -> None:
        self._slots, self._held = slots, False

    def __enter__(self) -> Ticket:
        """Waits for the slot.

        Raises:
            Cancelled: If the run stops first.
        """
        self._slots._take(self)
        self._held = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def cancel(self) -> None:
        """Gives the slot back, or the place in the queue if it never got one."""
        self._slots._give_back(self, self._held)
        self._held = False


@dataclass
class Ended(Generic[T]):
    """A job that ended: its result, or the exception it raised."""

    name: str
    result: T | None = None
    error: BaseException | None = None


@dataclass
class ReadySet(Generic[T]):
    """One graph of named jobs, run in threads as their needs end.

    Attributes:
        order: Every job, most preferred first: ready jobs start in this order.
        needs: For each job, the jobs that must end before it starts (others are ignored).
        slots: The run's slots (only to see whether it is stopping; jobs take their own tickets).
        limit: At most this many of this graph's jobs running at once (None: no limit of its own).
    """

    order: list[str]
    needs: dict[str, set[str]]
    slots: Slots
    limit: int | None = None

    def run(self, make_job: Callable[[str], Callable[[], T]], ended: Callable[[Ended[T]], None]) -> list[str]:
        """Runs the jobs; returns those that never started because the run was stopping.

        Args:
            make_job: Called in this thread when a job is about to start; returns what its thread runs.
            ended: Called in this thread with each job that ended, before any job that needs it starts.

        Raises:
            KeyboardInterrupt: If this thread is interrupted: the run is then stopping, and no more
                jobs start anywhere in it.
        """
        # One slot: one job of each graph at a time too, so a nested graph runs whole before its
        # parent goes on, and jobs run in exactly the graphs' order (depth first).
        limit = 1 if self.slots.limit == 1 else self.limit
        names = set(self.order)
        waiting = {name: {need for need in self.needs.get(name, set()) if need in names} for name in self.order}
        running: set[str] = set()
        done: queue.SimpleQueue[Ended[T]] = queue.SimpleQueue()
        try:
            while waiting or running:
                if not self.slots.stopping.is_set():
                    for name in [n for n in self.order if n in waiting and not waiting[n]]:
                        if limit is not None and len(running) >= limit:
                            break
                        del waiting[name]
                        running.add(name)
                        self._start(name, make_job(name), done)
                if not running:
                    break  # stopping, or what is left waits on jobs that never ran
                with contextlib.suppress(queue.Empty):
                    finished = done.get(timeout=_POLL)
                    running.discard(finished.name)
                    for needs in waiting.values():
                        needs.discard(finished.name)
                    ended(finished)
        except BaseException:
            self.slots.stopping.set()
            raise
        return list(waiting)

    def _start(self, name: str, job: Callable[[], T], done: queue.SimpleQueue[Ended[T]]) -> None:
        context = contextvars.copy_context()

        def work() -> None:
            try:
                done.put(Ended(name, result=context.run(job)))
            except BaseException as error:  # handed to the graph's thread, which decides
                done.put(Ended(name, error=error))

        # Daemon: a stopped run must be able to exit while a task's thread still waits on its output.
        thread = threading.Thread(target=work, name=f"task {name}", daemon=True)
        self.slots.started(thread)
        thread.start()
