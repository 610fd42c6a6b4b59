"""pipe_fiction: the ML code of the template, importable with or without KFP.

Import what you use from its module (``from pipe_fiction.data_processor import DataProcessor``).
This file imports nothing on purpose: every module it imported would become part of every
task's code, so a change to one module would rerun every task of a local run instead of only
those that import it (see ``pipelines/utils/task_code/fingerprint.py``).
"""
