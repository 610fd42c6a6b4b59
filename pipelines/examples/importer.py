"""An importer: an existing file brought into the pipeline as a ``Dataset`` artifact.

``dsl.importer`` registers data that was not produced by a task (a file in a bucket, a table
export) so downstream tasks take it like any other artifact. In a cluster the URI is remote
(``gs://``, ``s3://``, ``minio://``); kfp.local takes a local absolute path.
Run: ``python -m examples.importer /abs/path/to/rows.csv``.
"""

import sys
from pathlib import Path

from kfp import dsl, local
from kfp.dsl import Dataset, Metrics

from components import process_data, summarize_data
from utils.errors import PipeFictionError, run_cli
from utils.local_run import init_local


@dsl.pipeline(name="pipe-fiction-importer", description="Process and summarise an existing CSV file.")
def importer_pipeline(uri: str) -> Metrics:
    """Imports the CSV at ``uri`` (raw rows as DataGenerator writes them), then processes it."""
    imported = dsl.importer(artifact_uri=uri, artifact_class=Dataset, reimport=False).set_display_name("Import rows")
    processed = process_data(raw=imported.output)
    return summarize_data(processed=processed.outputs["processed"]).outputs["metrics"]


def main() -> int:
    """Runs the pipeline on the file named on the command line and prints its metrics."""
    if len(sys.argv) != 2:
        raise PipeFictionError("usage: python -m examples.importer /abs/path/to/rows.csv")
    path = Path(sys.argv[1]).resolve()
    if not path.is_file():
        raise PipeFictionError(f"no such file: {path}")
    init_local(local.SubprocessRunner(use_venv=False))
    print(importer_pipeline(uri=str(path)).outputs["Output"].metadata)
    return 0


if __name__ == "__main__":
    run_cli(main)
