"""Evaluation metrics written from their definitions."""

from .bleu import brevity_penalty, corpus_bleu, modified_precision, ngrams, sentence_bleu
from .calibration import expected_calibration_error, fit_temperature, reliability_diagram
from .classification import accuracy

__all__ = ["accuracy", "brevity_penalty", "corpus_bleu", "expected_calibration_error",
           "fit_temperature", "modified_precision", "ngrams", "reliability_diagram",
           "sentence_bleu"]
