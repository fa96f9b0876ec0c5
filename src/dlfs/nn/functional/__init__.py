"""``dlfs.nn.functional`` mirrors ``torch.nn.functional``, written from basic tensor ops.

    import dlfs.nn.functional as F
"""

from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .contrastive import *  # noqa: F403
from .conv import *  # noqa: F403
from .distillation import *  # noqa: F403
from .dropout import *  # noqa: F403
from .embedding import *  # noqa: F403
from .focal import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .metric_learning import *  # noqa: F403
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
