"""``python -m scoring score compute|explain|validate ...`` — the scoring CLI without the server."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
