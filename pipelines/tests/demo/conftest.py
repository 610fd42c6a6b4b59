"""The demo's own tests: delete this folder with the demo (pipeline.py, components.py, the package).

They run ``pipelines/pipeline.py``'s pipeline and check its outputs against the package
computed in this process.
"""

import io

import pandas as pd
import pytest

from pipe_fiction.data_generator import DataGenerator
from pipe_fiction.data_processor import DataProcessor


@pytest.fixture(autouse=True)
def the_demo_pipeline(hermetic_settings, monkeypatch):
    """The scripts run pipeline.py's pipeline here, not the machinery tests' fixture pipelines."""
    monkeypatch.delenv("PIPE_FICTION_PIPELINE", raising=False)


def summary_of(raw: pd.DataFrame) -> dict:
    """The summary the pipeline computes from raw rows, computed in this process: the ground truth.

    The pipeline hands data on as CSV between tasks; the same round trips here keep dtypes equal.
    """
    processor = DataProcessor()
    processed = processor.process(pd.read_csv(_to_csv(raw)))
    return processor.summarize(pd.read_csv(_to_csv(processed)))


def expected_summary(num_rows: int, seed: int, noise: float) -> dict:
    """The summary of the rows DataGenerator makes with these arguments."""
    return summary_of(DataGenerator(size=num_rows, seed=seed, noise=noise).generate())


def _to_csv(frame: pd.DataFrame) -> io.StringIO:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    buffer.seek(0)
    return buffer
