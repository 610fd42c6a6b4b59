"""Each component run on its own through kfp.local's SubprocessRunner, with its artifacts read back."""

import pandas as pd
import pytest
from kfp import dsl
from kfp.dsl import Dataset, Metrics

from components import generate_data, process_data, summarize_data
from pipe_fiction.data_generator import DataGenerator
from pipe_fiction.data_processor import DataProcessor
from tests.demo_expected import expected_summary
from utils.testing.fixtures import read_json


def test_generate_data_writes_the_generated_rows_as_csv(subprocess_runner):
    task = generate_data(num_rows=120, seed=3, noise=0.2)
    dataset = task.outputs["dataset"]
    written = pd.read_csv(dataset.path)
    expected = DataGenerator(size=120, seed=3, noise=0.2).generate()
    assert len(written) == 120
    assert written["id"].tolist() == expected["id"].tolist()
    assert written["source"].tolist() == expected["source"].tolist()
    assert dataset.metadata["rows"] == 120
    assert str(subprocess_runner) in dataset.path


# kfp.local takes artifact inputs only inside a pipeline, so the downstream components run in small ones.
@dsl.pipeline
def generate_then_process(num_rows: int, seed: int, noise: float) -> Dataset:
    raw = generate_data(num_rows=num_rows, seed=seed, noise=noise)
    return process_data(raw=raw.outputs["dataset"]).outputs["processed"]


@dsl.pipeline
def generate_process_summarize(num_rows: int, seed: int, noise: float) -> Metrics:
    raw = generate_data(num_rows=num_rows, seed=seed, noise=noise)
    processed = process_data(raw=raw.outputs["dataset"])
    return summarize_data(processed=processed.outputs["processed"]).outputs["metrics"]


def test_process_data_cleans_and_adds_features(subprocess_runner):
    processed = generate_then_process(num_rows=300, seed=5, noise=0.3).outputs["Output"]
    frame = pd.read_csv(processed.path)
    expected = DataProcessor().process(DataGenerator(size=300, seed=5, noise=0.3).generate())
    assert len(frame) == len(expected) < 300
    assert {"word_count", "char_count", "has_kubeflow", "keyword_hits"} <= set(frame.columns)
    assert frame["text"].tolist() == expected["text"].tolist()
    assert processed.metadata["rows"] == len(frame)
    assert processed.metadata["dropped_rows"] == 300 - len(frame)


def test_summarize_data_logs_metrics_and_writes_them_as_json(subprocess_runner):
    metrics = generate_process_summarize(num_rows=200, seed=9, noise=0.1).outputs["Output"]
    expected = expected_summary(200, 9, 0.1)
    assert read_json(metrics.path) == pytest.approx(expected)
    assert metrics.metadata == pytest.approx({k: float(v) for k, v in expected.items()})


def test_failing_component_raises_with_the_task_name(subprocess_runner):
    with pytest.raises(RuntimeError, match="generate-data"):
        generate_data(num_rows=0, seed=1, noise=0.1)
