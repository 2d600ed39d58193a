"""Entry point for ``python -m airflow_provider_legalesign.sandbox``."""

from __future__ import annotations

import sys

from airflow_provider_legalesign.sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
