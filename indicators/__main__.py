"""Run the command line: python -m indicators."""

import sys

from indicators.cli.main import main

sys.exit(main())
