"""``python -m bench.referrals``."""

import sys

from bench.referrals import main

sys.exit(main())
