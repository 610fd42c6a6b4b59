"""Warm task workers for subprocess runs: tasks forked from a parent that has imported their stack.

A fresh Python per task pays for kfp's executor and the task's libraries (pandas, scikit-learn:
seconds) before its first line. Here one parent per run (:mod:`server`) imports them once;
each task's command starts a tiny client (:mod:`client`) instead of ``python -m
kfp.dsl.executor_main``, which hands the parent its standard streams, arguments, variables and
folder, and the parent forks a child that runs the executor exactly as the fresh interpreter
would, in a process of its own. :mod:`pool` starts and stops the parent and rewrites the
commands; :mod:`protocol` is what client and parent say to each other.
"""
