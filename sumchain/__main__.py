"""``python -m sumchain``: the same command as the ``sumchain`` script."""
import sys

from sumchain.cli import main

sys.exit(main())
