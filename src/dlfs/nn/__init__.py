"""``dlfs.nn`` mirrors ``torch.nn``: same constructor arguments, parameter names and results,
with the forward math written from basic tensor operations.

Containers (``Sequential``, ``ModuleList``, ``ModuleDict``) and ``Module``/``Parameter`` are
torch's own: they are infrastructure, not the math this project re-implements.

``dlfs.nn.utils`` holds the gradient utilities of ``torch.nn.utils`` (``clip_grad_norm_``).
"""

from torch.nn import Module, ModuleDict, ModuleList, Parameter, Sequential

from . import functional, init, utils
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .dropout import *  # noqa: F403
from .embedding import *  # noqa: F403
from .flatten import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .positional import *  # noqa: F403
from .rnn import *  # noqa: F403
from .rnn_cell import *  # noqa: F403
from .transformer import *  # noqa: F403
