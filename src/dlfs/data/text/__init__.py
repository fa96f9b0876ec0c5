"""Text for language models: offline corpora and tokenizers written from scratch."""

from .corpus import TextCorpus, help_topics_text, load_corpus, stdlib_source_text
from .tokenizers import ByteBPETokenizer, CharTokenizer, WordTokenizer, load_tokenizer

__all__ = [
    "ByteBPETokenizer", "CharTokenizer", "TextCorpus", "WordTokenizer", "help_topics_text",
    "load_corpus", "load_tokenizer", "stdlib_source_text",
]
