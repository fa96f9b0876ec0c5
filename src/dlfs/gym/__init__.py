"""The Python algorithm gym (Track B): templates, problems, an offline judge and its CLI.

``dlfs.gym.templates`` holds the reusable algorithms; ``dlfs.gym.problems`` the problem set;
``dlfs.gym.judge`` runs a learner's stdin→stdout solution like an online judge.
"""
