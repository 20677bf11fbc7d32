"""``python -m bench.list_pages``."""

import sys

from bench.list_pages import main

sys.exit(main())
