"""Small components the examples share.

Standard library only, so the examples keep working whatever the package becomes once you
replace the demo.
"""

from kfp.dsl import Dataset, Input, Output

from utils import debuggable_component, task_image

IMAGE = task_image()


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def make_rows(count: int, seed: int, rows: Output[Dataset]):
    """Writes ``count`` rows of random words (column ``text``) as CSV; the same seed, the same rows."""
    import csv
    import random

    words = ("pipeline", "model", "data", "kubeflow", "train", "deploy", "metric", "feature")
    pick = random.Random(seed)
    with open(rows.path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        for _ in range(count):
            writer.writerow([" ".join(pick.choice(words) for _ in range(pick.randint(2, 6)))])
    rows.metadata["rows"] = count


@debuggable_component(base_image=IMAGE, install_kfp_package=False)
def keyword_share(rows: Input[Dataset], keyword: str) -> float:
    """The share of rows whose text holds ``keyword``, rounded to 4 places."""
    import csv

    with open(rows.path, newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    return round(sum(keyword in text.split() for text in texts) / max(len(texts), 1), 4)
