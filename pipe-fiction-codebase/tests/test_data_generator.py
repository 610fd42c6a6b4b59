import pandas as pd
import pytest

from pipe_fiction.data_generator import MAX_SIZE, DataGenerator


def test_generate_returns_requested_number_of_rows_and_columns():
    frame = DataGenerator(size=250, seed=1).generate()
    assert len(frame) == 250
    assert list(frame.columns) == ["id", "source", "created_at", "rating", "text"]
    assert frame["id"].tolist() == list(range(1, 251))
    assert pd.api.types.is_datetime64_any_dtype(frame["created_at"])


def test_same_seed_gives_identical_frames_and_other_seed_differs():
    a = DataGenerator(size=300, seed=7).generate()
    b = DataGenerator(size=300, seed=7).generate()
    c = DataGenerator(size=300, seed=8).generate()
    pd.testing.assert_frame_equal(a, b)
    assert not a["text"].equals(c["text"])


def test_clean_lines_talk_about_mlops():
    frame = DataGenerator(size=200, seed=3, noise=0.0).generate()
    assert frame["text"].notna().all()
    assert frame["text"].str.endswith(".").all()
    assert frame["rating"].between(1, 5).all()
    assert frame["text"].str.contains("Kubeflow").any()


def test_noise_adds_blank_lines_missing_ratings_and_repeats():
    frame = DataGenerator(size=2000, seed=5, noise=0.5).generate()
    text = frame["text"]
    assert (text.isna() | (text.fillna("").str.strip() == "")).any()
    assert frame["rating"].isna().any()
    assert text.dropna().duplicated().any()


def test_size_one_works():
    assert len(DataGenerator(size=1, seed=0, noise=1.0).generate()) == 1


@pytest.mark.parametrize("size", [0, -5, MAX_SIZE + 1])
def test_size_out_of_range_raises_clear_value_error(size):
    with pytest.raises(ValueError, match=rf"size must be between 1 and .*, got {size}"):
        DataGenerator(size=size)


@pytest.mark.parametrize("size", [2.5, "10", True, None])
def test_size_of_wrong_type_raises_clear_value_error(size):
    with pytest.raises(ValueError, match="size must be an integer"):
        DataGenerator(size=size)


@pytest.mark.parametrize("noise", [-0.1, 1.5])
def test_noise_out_of_range_raises(noise):
    with pytest.raises(ValueError, match="noise must be between 0 and 1"):
        DataGenerator(size=10, noise=noise)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_seed_that_is_not_a_non_negative_integer_raises(seed):
    with pytest.raises(ValueError, match="seed must be a whole number of at least 0"):
        DataGenerator(size=10, seed=seed)
