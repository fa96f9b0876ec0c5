"""Models composed only from ``dlfs.nn`` layers."""

from .digits_classifier import DigitsClassifier, load_digits_classifier
from .gpt import GPT, GPTConfig, KVCache, TraceRow, format_trace
