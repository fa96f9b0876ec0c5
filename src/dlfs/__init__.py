"""dlfs: Deep Learning From Scratch."""

__version__ = "0.1.0"
