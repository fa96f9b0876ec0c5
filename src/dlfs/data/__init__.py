"""Data pipeline from scratch: data sets, samplers, collation, the DataLoader, transforms.

``dlfs.data.datasets`` holds embedded data sets (no download) and ``dlfs.data.formats`` the
readers of real file formats (MNIST IDX, CIFAR-10 pickles, image folders, CSV).
"""

from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .errors import DataFallbackWarning, DataFormatError, DataLoaderWorkerError
from .loader import DataLoader, worker_indices
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = [
    "BatchSampler", "ConcatDataset", "DataFallbackWarning", "DataFormatError", "DataLoader",
    "DataLoaderWorkerError", "Dataset", "RandomSampler", "Sampler", "SequentialSampler",
    "Subset", "TensorDataset", "WorkerInfo", "default_collate", "default_convert",
    "get_worker_info", "random_split", "worker_indices",
]
