"""The Python algorithm gym (Track B): templates, problems, an offline judge and its CLI.

``dlfs.gym.templates`` holds the reusable algorithms; ``dlfs.gym.problems`` the problem set;
``dlfs.gym.judge`` runs a learner's stdin→stdout solution like an online judge, in
:mod:`dlfs.sandbox` (``dlfs.gym.execution`` turns a sandboxed run into a verdict).
"""
