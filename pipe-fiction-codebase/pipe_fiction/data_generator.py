"""Deterministic synthetic text data about MLOps, the raw input of the demo pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
from loguru import logger

MAX_SIZE = 5_000_000

SUBJECTS = (
    "Kubeflow",
    "MLOps",
    "The pipeline",
    "Our data team",
    "The training job",
    "Kubernetes",
    "The feature store",
    "A data scientist",
)
VERBS = ("automates", "schedules", "monitors", "versions", "debugs", "scales", "deploys")
OBJECTS = (
    "model training",
    "batch inference",
    "feature engineering",
    "the data pipeline",
    "experiment tracking",
    "hyperparameter tuning",
    "model serving on Kubernetes",
)
TAILS = ("", " every night", " with Kubeflow Pipelines", " in production", " for the MLOps team")
SOURCES = ("docs", "blog", "forum", "slack")


class DataGenerator:
    """Generates a reproducible DataFrame of short text lines about MLOps.

    The frame is deliberately a little dirty, so that cleaning it is real work:
    some lines are blank, some repeat, some carry stray whitespace or shouting
    case.

    Args:
        size: Number of rows to generate (1 to 5,000,000).
        seed: Seed of the random generator (0 or more); the same seed gives the same frame.
        noise: Share of rows (0 to 1) that are made dirty.

    Raises:
        ValueError: If ``size``, ``seed`` or ``noise`` is out of range.
    """

    def __init__(self, size: int = 1000, seed: int = 42, noise: float = 0.1) -> None:
        if isinstance(size, bool) or not isinstance(size, int):
            raise ValueError(f"size must be an integer, got {size!r}")
        if not 1 <= size <= MAX_SIZE:
            raise ValueError(f"size must be between 1 and {MAX_SIZE:,}, got {size}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a whole number of at least 0, got {seed!r}")
        if not 0.0 <= noise <= 1.0:
            raise ValueError(f"noise must be between 0 and 1, got {noise}")
        self.size = size
        self.seed = seed
        self.noise = noise

    def generate(self) -> pd.DataFrame:
        """Builds the frame.

        Returns:
            A DataFrame with the columns ``id`` (int), ``source`` (str),
            ``created_at`` (datetime64), ``rating`` (float, 1 to 5, may be
            missing) and ``text`` (str, may be missing or blank).
        """
        rng = np.random.default_rng(self.seed)
        n = self.size

        def pick(options: tuple[str, ...]) -> np.ndarray:
            return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]

        text = pd.Series(pick(SUBJECTS) + " " + pick(VERBS) + " " + pick(OBJECTS) + pick(TAILS) + ".")
        frame = pd.DataFrame(
            {
                "id": np.arange(1, n + 1),
                "source": pick(SOURCES),
                "created_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h"),
                "rating": rng.integers(1, 6, n).astype(float),
                "text": text,
            }
        )
        frame = self._add_noise(frame, rng)
        logger.info("generated {} rows (seed={}, noise={})", n, self.seed, self.noise)
        return frame

    def _add_noise(self, frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Dirties a share of the rows in four ways, a quarter each."""
        dirty = np.flatnonzero(rng.random(len(frame)) < self.noise)
        kinds = rng.integers(0, 4, len(dirty))
        blank, upper, spaced, repeat = (dirty[kinds == k] for k in range(4))
        frame.loc[blank, "text"] = rng.choice(np.asarray(["", "   ", None], dtype=object), len(blank))
        frame.loc[upper, "text"] = frame.loc[upper, "text"].str.upper()
        frame.loc[spaced, "text"] = "  " + frame.loc[spaced, "text"].str.replace(" ", "   ") + " \t"
        if len(repeat) and len(frame) > 1:
            # A repeat copies another row's text, so de-duplication has something to find.
            frame.loc[repeat, "text"] = frame["text"].to_numpy()[rng.integers(0, len(frame), len(repeat))]
        frame.loc[rng.random(len(frame)) < self.noise / 2, "rating"] = np.nan
        return frame
