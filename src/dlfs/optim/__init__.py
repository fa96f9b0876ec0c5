"""``dlfs.optim`` mirrors ``torch.optim``: the same optimizers, hyper-parameters, state keys
and learning-rate schedules, with every update rule written from tensor ops.

    import dlfs.optim as optim
    opt = optim.AdamW(model.parameters(), lr=3e-4)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)

Checkpoints load both ways: ``torch.optim.AdamW(...).load_state_dict(opt.state_dict())``.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
