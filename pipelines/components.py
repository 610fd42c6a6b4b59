"""Lightweight KFP components: thin wrappers whose bodies import the ``pipe_fiction`` package.

The bodies run in another process (a subprocess, a container or a pod) from source
that KFP copies out of this file, so every import they use sits inside the body.
``@debuggable_component`` is ``@dsl.component`` plus a debugger that a task starts when asked
(``process_data(..., debug=True)`` or ``KFP_DEBUG=process-data``); off, it costs nothing.
The image has kfp baked in, so ``install_kfp_package=False``: a task starts with no
pip install and needs no network.
"""

from kfp.dsl import Dataset, Input, Metrics, Output

from utils import debuggable_component, task_image

IMAGE = task_image()


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def generate_data(num_rows: int, seed: int, noise: float, dataset: Output[Dataset]):
    """Generates the raw text rows as a CSV dataset."""
    from pipe_fiction.data_generator import DataGenerator

    frame = DataGenerator(size=num_rows, seed=seed, noise=noise).generate()
    frame.to_csv(dataset.path, index=False)
    dataset.metadata["rows"] = len(frame)


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def process_data(raw: Input[Dataset], processed: Output[Dataset]):
    """Cleans the raw rows and adds the feature columns."""
    import pandas as pd

    from pipe_fiction.data_processor import DataProcessor

    frame = pd.read_csv(raw.path)
    result = DataProcessor().process(frame)
    result.to_csv(processed.path, index=False)
    processed.metadata["rows"] = len(result)
    processed.metadata["dropped_rows"] = len(frame) - len(result)


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def summarize_data(processed: Input[Dataset], metrics: Output[Metrics]):
    """Logs the summary as KFP metrics and writes it as JSON into the metrics artifact."""
    import json

    import pandas as pd

    from pipe_fiction.data_processor import DataProcessor

    summary = DataProcessor().summarize(pd.read_csv(processed.path))
    for name, value in summary.items():
        metrics.log_metric(name, value)
    with open(metrics.path, "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
