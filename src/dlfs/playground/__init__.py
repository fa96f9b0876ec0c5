"""The learner's toolbox, one job per module:

- :mod:`.timing`: ``time_block``, ``bench``, ``compare``, ``format_duration``;
- :mod:`.inspection`: ``inspect`` (a tensor, array, parameter or module in one block);
- :mod:`.summary`: ``model_summary`` (a row per module call, with output shapes);
- :mod:`.flops`: ``count_linear_flops`` (the FLOPs of the Linear layers in one forward);
- :mod:`.environment`: ``env_report`` / ``format_env_report`` (`dlfs doctor`);
- seeds and devices come from :mod:`dlfs.runtime` (``seed_everything``, ``get_device``),
  re-exported here so that ``from dlfs.playground import ...`` covers the whole box.

``python -m dlfs.playground`` prints the environment report. Importing this package has no
side effects: it prints nothing, seeds nothing, and leaves ``sys.stdout`` alone.
"""

from ..runtime import get_device, seed_everything
from .environment import env_report, format_env_report
from .flops import count_linear_flops
from .inspection import inspect
from .summary import ModelSummary, SummaryRow, model_summary
from .timing import BenchResult, TimeBlock, bench, compare, format_duration, time_block

__all__ = [
    "BenchResult", "ModelSummary", "SummaryRow", "TimeBlock", "bench", "compare",
    "count_linear_flops", "env_report", "format_duration", "format_env_report", "get_device",
    "inspect", "model_summary", "seed_everything", "time_block",
]
