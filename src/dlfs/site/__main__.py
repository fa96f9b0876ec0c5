"""``python -m dlfs.site OUT``: build the book site (see :mod:`dlfs.site.build`)."""

import sys

from .build import main

if __name__ == "__main__":
    sys.exit(main())
