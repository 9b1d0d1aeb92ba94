"""`python -m mockserver`: the same as the `venice-mock` command."""

import sys

from mockserver.cli import main

sys.exit(main())
