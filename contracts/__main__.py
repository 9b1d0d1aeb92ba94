"""`python -m contracts` = `venice-contracts`."""

from __future__ import annotations

import sys

from contracts.cli import main

sys.exit(main())
