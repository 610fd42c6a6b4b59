"""Cleaning, feature engineering and summary statistics for the text data."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from loguru import logger

REQUIRED_COLUMNS = ("id", "source", "rating", "text")
DEFAULT_KEYWORDS = ("kubeflow", "mlops", "kubernetes", "pipeline")


class DataProcessor:
    """Turns raw text rows into a clean frame with features, and summarises it.

    Args:
        keywords: Words to flag in each line (matched case-insensitively, as
            whole words or word prefixes, so "pipeline" also flags "pipelines").

    Raises:
        ValueError: If no keyword is given or a keyword is not a plain word.
    """

    def __init__(self, keywords: Iterable[str] = DEFAULT_KEYWORDS) -> None:
        self.keywords = tuple(k.strip().lower() for k in keywords)
        if not self.keywords:
            raise ValueError("at least one keyword is needed")
        bad = [k for k in self.keywords if not re.fullmatch(r"\w+", k)]
        if bad:
            raise ValueError(f"keywords must be single words, got {bad}")

    def process(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Cleans the frame and adds the feature columns.

        Args:
            frame: Raw rows with at least the columns id, source, rating, text.

        Returns:
            A new frame; the input is left unchanged.
        """
        return self.add_features(self.clean(frame))

    def clean(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Normalises whitespace, drops blank and repeated lines, fills missing ratings.

        A missing rating is filled with the median rating of its source, so
        that one noisy source does not shift the others.

        Args:
            frame: Raw rows with at least the columns id, source, rating, text.

        Returns:
            A new frame with a fresh index.

        Raises:
            ValueError: If a required column is missing.
        """
        _require_columns(frame, REQUIRED_COLUMNS)
        out = frame.copy()
        out["text"] = out["text"].astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
        blank = out["text"].isna() | (out["text"] == "")
        out = out.loc[~blank]
        repeated = out["text"].str.lower().duplicated(keep="first")
        out = out.loc[~repeated].reset_index(drop=True)
        out["rating"] = out["rating"].astype(float)
        out["rating"] = out["rating"].fillna(out.groupby("source")["rating"].transform("median"))
        logger.info(
            "cleaned {} rows: dropped {} blank and {} repeated, {} kept",
            len(frame),
            int(blank.sum()),
            int(repeated.sum()),
            len(out),
        )
        return out

    def add_features(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Adds word and character counts, a shouting flag and one flag per keyword.

        Args:
            frame: A cleaned frame (see :meth:`clean`).

        Returns:
            A new frame with the columns ``word_count``, ``char_count``,
            ``avg_word_length``, ``is_shouting``, ``has_<keyword>`` for each
            keyword, and ``keyword_hits``.
        """
        _require_columns(frame, ("text",))
        out = frame.copy()
        text = out["text"].astype("string").fillna("")
        words = text.str.split()
        out["word_count"] = words.str.len().fillna(0).astype(int)
        out["char_count"] = text.str.len().fillna(0).astype(int)
        letters = text.str.replace(r"\W", "", regex=True).str.len().fillna(0)
        out["avg_word_length"] = (letters / out["word_count"].replace(0, np.nan)).fillna(0.0).round(3)
        out["is_shouting"] = (text.str.upper() == text) & text.str.contains(r"[A-Za-z]", regex=True)
        lowered = text.str.lower()
        for keyword in self.keywords:
            out[f"has_{keyword}"] = lowered.str.contains(rf"\b{keyword}", regex=True).astype(bool)
        out["keyword_hits"] = out[[f"has_{k}" for k in self.keywords]].sum(axis=1).astype(int)
        return out

    def summarize(self, frame: pd.DataFrame) -> dict[str, float | int]:
        """Computes counts, means and ratios of a processed frame.

        Args:
            frame: The output of :meth:`process`. An empty frame gives zero
                counts and zero means rather than NaN.

        Returns:
            A flat dict of plain numbers: ``rows``, ``mean_word_count``,
            ``mean_char_count``, ``mean_rating``, ``shouting_ratio``,
            ``keyword_ratio`` (share of rows with any keyword),
            ``<keyword>_ratio`` for each keyword and ``rows_<source>`` for each
            source present.
        """
        flags = [f"has_{k}" for k in self.keywords]
        _require_columns(frame, ("word_count", "char_count", "rating", "is_shouting", "keyword_hits", "source", *flags))
        rows = len(frame)

        def mean(column: pd.Series) -> float:
            value = column.astype(float).mean()
            return 0.0 if rows == 0 or pd.isna(value) else round(float(value), 4)

        summary: dict[str, float | int] = {
            "rows": rows,
            "mean_word_count": mean(frame["word_count"]),
            "mean_char_count": mean(frame["char_count"]),
            "mean_rating": mean(frame["rating"]),
            "shouting_ratio": mean(frame["is_shouting"]),
            "keyword_ratio": mean(frame["keyword_hits"] > 0),
        }
        for keyword in self.keywords:
            summary[f"{keyword}_ratio"] = mean(frame[f"has_{keyword}"])
        for source, count in frame["source"].value_counts().sort_index().items():
            summary[f"rows_{source}"] = int(count)
        logger.info("summary of {} rows: keyword ratio {}", rows, summary["keyword_ratio"])
        return summary


def _require_columns(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"missing columns {missing}; the frame has {list(frame.columns)}")
