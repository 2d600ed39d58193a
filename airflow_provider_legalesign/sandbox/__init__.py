"""
A local stand-in for Legalesign, for demos and tests, with no account needed.

It runs moto's Cognito emulator and a GraphQL server modelled on Legalesign's API, both on
127.0.0.1. Start it with ``python -m airflow_provider_legalesign.sandbox`` (installed with the
``[sandbox]`` extra), or from Python::

    from airflow_provider_legalesign.sandbox import Sandbox

    with Sandbox() as sandbox:
        print(sandbox.connection_json())

The provider package never imports this package.
"""

from __future__ import annotations

from airflow_provider_legalesign.sandbox.servers import PortInUseError
from airflow_provider_legalesign.sandbox.service import Sandbox
from airflow_provider_legalesign.sandbox.store import NotFoundError, StateError

__all__ = ["NotFoundError", "PortInUseError", "Sandbox", "StateError"]
