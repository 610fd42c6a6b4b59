"""The demo's ground truth: what the pipeline should compute, computed by the package in this process.

Used by the demo's tests; delete it with them.
"""

import io

import pandas as pd

from pipe_fiction.data_generator import DataGenerator
from pipe_fiction.data_processor import DataProcessor


def summary_of(raw: pd.DataFrame) -> dict:
    """The summary the pipeline computes from raw rows.

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
