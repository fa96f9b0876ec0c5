"""Recipes: thin projects that wire library pieces into a complete job."""
