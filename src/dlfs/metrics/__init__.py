"""Evaluation metrics written from their definitions."""

from .bleu import brevity_penalty, corpus_bleu, modified_precision, ngrams, sentence_bleu
from .classification import accuracy

__all__ = ["accuracy", "brevity_penalty", "corpus_bleu", "modified_precision", "ngrams",
           "sentence_bleu"]
