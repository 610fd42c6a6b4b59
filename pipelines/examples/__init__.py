"""Runnable examples of the KFP patterns users ask about, built on the same package and components.

Each module defines a pipeline and a ``main`` that runs it locally: ``python -m examples.<name>``
from ``pipelines/``. Local execution of some patterns needs a recent kfp (see each module).
"""
