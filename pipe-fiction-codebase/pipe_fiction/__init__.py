"""pipe_fiction: the ML code of the template, importable with or without KFP."""

from pipe_fiction.data_generator import DataGenerator
from pipe_fiction.data_processor import DataProcessor

__all__ = ["DataGenerator", "DataProcessor"]
