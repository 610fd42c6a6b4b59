"""Every change the machinery makes to kfp (or to what kfp drives), in one place.

kfp.local and kfp.Client have no extension points for what the template needs, so it replaces a
few of their functions, each as a :class:`~utils.kfp_seams.seam.Seam` with the kfp versions it
applies to and a canary test (``utils/tests/kfp_seams``) that fails when an installed kfp moves or
changes the function. The concerns above (local runs, Docker, the cluster, debugging) use these
seams through the hook points they declare, never by patching kfp themselves:

- :mod:`~utils.kfp_seams.local_run`: task-level events of a local run, its name, its failures, and
  kfp's cache key and lookup (:class:`~utils.kfp_seams.local_run.RunHooks`).
- :mod:`~utils.kfp_seams.output`: the task output kfp prints, and its warnings about cluster-only settings.
- :mod:`~utils.kfp_seams.docker`: the Docker runner's fixes, per kfp version (``FIXES``).
- :mod:`~utils.kfp_seams.rest_client`: kfp.Client's REST calls, bounded in time.
- :mod:`~utils.kfp_seams.task_names`: the name kfp will give the next task (read only).

:func:`utils.kfp_seams.registry.all_seams` lists them all.
"""
