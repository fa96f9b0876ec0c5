"""Readers (and writers, for test fixtures) of real data file formats."""

from .cifar import CIFAR10_CLASSES, read_cifar_batch, read_cifar_meta, write_cifar_batch
from .csv_table import CsvTable, csv_dataset, read_csv
from .idx import read_idx, write_idx
from .image_folder import ImageFolder, LabelFileDataset, generate_labels, write_image_folder
from .images import IMAGE_EXTENSIONS, has_pil, read_image, write_image

__all__ = [
    "CIFAR10_CLASSES", "IMAGE_EXTENSIONS", "CsvTable", "ImageFolder", "LabelFileDataset",
    "csv_dataset", "generate_labels", "has_pil", "read_cifar_batch", "read_cifar_meta",
    "read_csv", "read_idx", "write_cifar_batch", "write_idx", "write_image",
    "write_image_folder",
]
