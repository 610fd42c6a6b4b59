"""The type of a pipeline, as the machinery takes it."""

from __future__ import annotations

from typing import TypeAlias

from kfp.dsl.graph_component import GraphComponent

# What ``@dsl.pipeline`` makes of a function: a component whose implementation is a graph of tasks.
Pipeline: TypeAlias = GraphComponent
