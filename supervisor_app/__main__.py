"""`python -m supervisor_app` runs the same entry point as `supervisor-app`."""

import sys

from supervisor_app.cli import main

sys.exit(main())
