"""``python -m local.emulator up|down``: what ``make local`` and ``make local-down`` run."""

import sys

from local.emulator.cli import main

sys.exit(main())
