"""``python -m i2v_nb`` is the same as the ``i2v-nb`` command."""

import sys

from i2v_nb.cli import main

if __name__ == "__main__":
    sys.exit(main())
