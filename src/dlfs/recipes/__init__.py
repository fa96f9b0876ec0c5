"""Recipes: thin projects that wire library pieces into a complete job.

Each ``dlfs train`` recipe is a frozen dataclass that nests its model's config (``GPTRecipe``
holds a ``GPTConfig``), so every setting has one name and one default from the flag to the
layer. ``registry.py`` lists the recipes; ``options.py`` turns a recipe's fields into its
command-line options (and back); ``cli.py`` is ``dlfs train`` and ``dlfs sample``;
``sampling.py`` and ``lm.py`` hold what the language-model recipes share.
"""
