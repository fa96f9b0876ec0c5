"""Models composed only from ``dlfs.nn`` layers."""

from .gpt import GPT, GPTConfig, KVCache, TraceRow, format_trace
