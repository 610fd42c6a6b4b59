import math

import numpy as np
import pandas as pd
import pytest

from pipe_fiction.data_generator import DataGenerator
from pipe_fiction.data_processor import DataProcessor


def raw(rows):
    return pd.DataFrame(rows, columns=["id", "source", "rating", "text"])


@pytest.fixture
def processor():
    return DataProcessor()


def test_clean_normalises_whitespace_and_drops_blank_and_repeated_lines(processor):
    frame = raw(
        [
            (1, "docs", 4.0, "  Kubeflow   runs\tpipelines. "),
            (2, "docs", 3.0, "kubeflow runs pipelines."),
            (3, "blog", 5.0, "   "),
            (4, "blog", 2.0, None),
            (5, "blog", 1.0, ""),
            (6, "forum", 2.0, "MLOps is fun."),
        ]
    )
    cleaned = processor.clean(frame)
    assert cleaned["id"].tolist() == [1, 6]
    assert cleaned["text"].tolist() == ["Kubeflow runs pipelines.", "MLOps is fun."]
    assert len(frame) == 6, "the input must not be modified"


def test_clean_fills_missing_rating_with_median_of_its_source(processor):
    frame = raw(
        [
            (1, "docs", 1.0, "a"),
            (2, "docs", 3.0, "b"),
            (3, "docs", np.nan, "c"),
            (4, "blog", 5.0, "d"),
            (5, "blog", np.nan, "e"),
        ]
    )
    cleaned = processor.clean(frame)
    assert cleaned.set_index("id")["rating"].to_dict() == {1: 1.0, 2: 3.0, 3: 2.0, 4: 5.0, 5: 5.0}


def test_add_features_counts_words_chars_and_flags_keywords(processor):
    frame = raw([(1, "docs", 4.0, "Kubeflow Pipelines automate MLOps."), (2, "blog", 3.0, "TRAIN THE MODEL.")])
    features = processor.add_features(frame)
    first, second = features.iloc[0], features.iloc[1]
    assert first["word_count"] == 4
    assert first["char_count"] == len("Kubeflow Pipelines automate MLOps.")
    assert first["avg_word_length"] == pytest.approx(30 / 4)
    assert bool(first["has_kubeflow"]) and bool(first["has_mlops"]) and bool(first["has_pipeline"])
    assert not bool(first["has_kubernetes"])
    assert first["keyword_hits"] == 3
    assert not bool(first["is_shouting"]) and bool(second["is_shouting"])
    assert second["keyword_hits"] == 0


def test_keyword_matches_word_starts_only():
    features = DataProcessor(keywords=["ops"]).add_features(raw([(1, "docs", 1.0, "MLOps ops")]))
    assert bool(features.loc[0, "has_ops"])
    features = DataProcessor(keywords=["ops"]).add_features(raw([(1, "docs", 1.0, "MLOps")]))
    assert not bool(features.loc[0, "has_ops"])


def test_summarize_computes_counts_means_and_ratios(processor):
    frame = raw(
        [
            (1, "docs", 4.0, "Kubeflow on Kubernetes."),
            (2, "docs", 2.0, "Nothing here."),
            (3, "blog", 3.0, "MLOps pipeline works well."),
            (4, "blog", np.nan, "  "),
        ]
    )
    summary = processor.summarize(processor.process(frame))
    assert summary["rows"] == 3
    assert summary["mean_word_count"] == pytest.approx((3 + 2 + 4) / 3, abs=1e-4)
    assert summary["mean_rating"] == pytest.approx(3.0)
    assert summary["keyword_ratio"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["kubeflow_ratio"] == pytest.approx(1 / 3, abs=1e-4)
    assert summary["kubernetes_ratio"] == pytest.approx(1 / 3, abs=1e-4)
    assert summary["rows_docs"] == 2 and summary["rows_blog"] == 1
    assert all(isinstance(v, int | float) for v in summary.values())


def test_empty_frame_processes_and_summarises_to_zeros(processor):
    empty = raw([])
    processed = processor.process(empty)
    assert processed.empty
    assert {"word_count", "has_kubeflow", "keyword_hits"} <= set(processed.columns)
    summary = processor.summarize(processed)
    assert summary["rows"] == 0
    assert all(not math.isnan(v) for v in summary.values())
    assert summary["mean_word_count"] == 0.0 and summary["keyword_ratio"] == 0.0


def test_only_blank_lines_give_an_empty_processed_frame(processor):
    processed = processor.process(raw([(1, "docs", 1.0, " "), (2, "blog", None, None)]))
    assert processed.empty
    assert processor.summarize(processed)["rows"] == 0


def test_missing_column_raises_clear_value_error(processor):
    with pytest.raises(ValueError, match=r"missing columns \['text'\]"):
        processor.process(pd.DataFrame({"id": [1], "source": ["docs"], "rating": [1.0]}))


def test_summarize_of_unprocessed_frame_names_missing_features(processor):
    with pytest.raises(ValueError, match="word_count"):
        processor.summarize(raw([(1, "docs", 1.0, "x")]))


@pytest.mark.parametrize("keywords", [[], ["two words"], ["a-b"]])
def test_bad_keywords_raise(keywords):
    with pytest.raises(ValueError):
        DataProcessor(keywords=keywords)


def test_generated_data_round_trip_keeps_every_clean_line():
    frame = DataGenerator(size=500, seed=11, noise=0.2).generate()
    processor = DataProcessor()
    processed = processor.process(frame)
    assert 0 < len(processed) <= len(frame)
    assert not processed["text"].str.lower().duplicated().any()
    assert processed["rating"].notna().all()
    summary = processor.summarize(processed)
    assert summary["rows"] == len(processed)
    assert sum(v for k, v in summary.items() if k.startswith("rows_")) == len(processed)
