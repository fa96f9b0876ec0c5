"""Evaluation metrics written from their definitions."""

from .bleu import brevity_penalty, corpus_bleu, modified_precision, ngrams, sentence_bleu

__all__ = ["brevity_penalty", "corpus_bleu", "modified_precision", "ngrams", "sentence_bleu"]
