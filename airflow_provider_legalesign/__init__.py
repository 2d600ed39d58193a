"""Apache Airflow provider for Legalesign's GraphQL e-signature API."""

from __future__ import annotations

__version__ = "0.1.0"
