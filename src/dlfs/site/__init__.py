"""The book as a website: ``make docs`` → ``build/site/{en,zh}``.

Every lesson becomes a page in each language: its narrative in that language (the markdown
cells of one language, see :mod:`dlfs.curriculum.bilingual`), its code once, executed in quick
mode by MyST-NB with a cache (a rebuild re-runs only the lessons whose code changed; the two
languages share the cache, because the code is the same). Navigation mirrors the tracks of the
lesson registry (the data behind ``dlfs list --json``); the guides in ``docs/``, the gym's
problem statements and an API reference from the docstrings join them. Maths is typeset by a
MathJax copy served from the site itself, search is Sphinx's own index: nothing loads from the
network, and the site works from ``file://``.

* :mod:`dlfs.site.pages` — the page sources (pure functions: lesson, track, guide, gym, API).
* :mod:`dlfs.site.build` — writes them, runs Sphinx per language, the entry point
  ``python -m dlfs.site OUT [--lessons ID ...] [--lang en|zh]``.
* :mod:`dlfs.site.sphinx_ext` — the language switch on every page.
* ``conf.py`` — the Sphinx settings both languages share.
"""
