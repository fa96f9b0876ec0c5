"""Multimodal pieces that are not layers: the bilingual digit captions (``captions``), the
image-text data sets built from them, zero-shot classification and retrieval metrics.

The networks live in :mod:`dlfs.models` (``clip``, ``captioner``) and the attention layers in
:mod:`dlfs.attention` (``cross_attention``); the recipes are ``dlfs train clip`` and
``dlfs train captioner``.
"""
