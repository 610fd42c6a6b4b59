"""An importer: an existing file brought into the pipeline as a ``Dataset`` artifact.

``dsl.importer`` registers data that was not produced by a task (a file in a bucket, a table
export) so downstream tasks take it like any other artifact. In a cluster the URI is remote
(``gs://``, ``s3://``, ``minio://``); kfp.local takes a local absolute path to a CSV with a
``text`` column. Run: ``make run-subproc PIPELINE=examples.importer ARGS="--uri /abs/rows.csv"``.
"""

from pathlib import Path
from typing import Any

from kfp import dsl
from kfp.dsl import Dataset

from examples.steps import keyword_share


@dsl.pipeline(name="example-importer", description="Score an existing CSV file.")
def importer_pipeline(uri: str, keyword: str = "pipeline") -> float:
    """Imports the CSV at ``uri`` and returns the share of its rows that mention ``keyword``."""
    imported = dsl.importer(artifact_uri=uri, artifact_class=Dataset, reimport=False).set_display_name("Import rows")
    return keyword_share(rows=imported.output, keyword=keyword).output


def validate_arguments(arguments: dict[str, Any]) -> None:
    """A local run needs the file to exist (kfp.local takes a local absolute path).

    Raises:
        ValueError: If ``uri`` is a local path to no file.
    """
    uri = arguments.get("uri", "")
    if uri and "://" not in uri and not Path(uri).is_file():
        raise ValueError(f"--uri {uri}: no such file (give an absolute path to a CSV with a 'text' column)")
