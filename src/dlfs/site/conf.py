"""Sphinx settings of the book site, shared by both languages (``dlfs.site.build`` runs
``sphinx-build -c <this folder>`` once per language and passes the language and the build's
folders in environment variables)."""

import os

_lang = os.environ.get("DLFS_SITE_LANG", "en")

project = "Deep Learning From Scratch" if _lang == "en" else "从零实现深度学习"
author = "dlfs"
language = "en" if _lang == "en" else "zh_CN"   # zh_CN: Sphinx indexes Chinese words (jieba)

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax",
              "dlfs.site.sphinx_ext"]   # napoleon: the docstrings' Args: sections
exclude_patterns = ["notebooks/**"]

# lessons are py:percent files, read through jupytext, executed in quick mode; the cache is
# keyed by the code cells, so the two languages share it and a rebuild re-runs only changes
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = "cache"
nb_execution_cache_path = os.environ.get("DLFS_SITE_CACHE", "")
nb_execution_timeout = 900
nb_execution_raise_on_error = True      # a lesson that fails fails the build
nb_merge_streams = True
nb_output_stderr = "remove"             # progress bars; errors fail the build anyway
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 4
suppress_warnings = ["myst.xref_missing", "misc.highlighting_failure"]

# maths: MathJax 3 (SVG output, every TeX extension in one file) served from the site
html_static_path = [p for p in (os.environ.get("DLFS_SITE_STATIC"),
                                os.path.join(os.path.dirname(__file__), "static")) if p]
mathjax_path = "mathjax/tex-svg-full.js"
html_css_files = ["dlfs.css"]

autodoc_member_order = "bysource"
autodoc_default_options = {"undoc-members": False}
autodoc_typehints = "description"
autodoc_inherit_docstrings = False   # a Function.forward shows its own text, not torch's
napoleon_use_ivar = True   # "Attributes:" as fields, not a second description of each field

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
html_context = {"default_mode": "auto"}   # unset, the theme logs an error on every page
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
