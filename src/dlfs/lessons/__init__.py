"""Runnable lessons (jupytext percent format). Run them with ``dlfs run <id>`` or
``python <file> [--quick]``; the registry is :mod:`dlfs.curriculum.catalog`.

Lesson files are scripts, not modules to import: the library never imports them.
"""
