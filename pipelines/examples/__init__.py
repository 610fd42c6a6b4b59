"""Runnable examples of the KFP patterns users ask about, with small components of their own.

Run one with the same scripts as your pipeline: ``make run-subproc PIPELINE=examples.<name>``
(or ``run-docker``, ``compile``). Local execution of some patterns needs a recent kfp (see
each module). They do not use the demo, so they keep working once you replace it.
"""
