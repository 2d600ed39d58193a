"""Trigger that waits for a Legalesign document to reach a final status, in the triggerer's event loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_legalesign.document_status import document_outcome

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class LegalesignDocumentTrigger(BaseTrigger):
    """
    Poll a document's status until it is in ``success_statuses`` or ``failure_statuses``.

    The hook's requests are blocking, so each poll runs in a worker thread and the event loop stays free.
    All triggers of one triggerer process share the hook's token cache, so they share one login.

    A failure that the hook classifies as transient (network errors, throttling, 5xx) after its own
    retries is logged and polled again at the next interval, so an outage does not end a wait that may
    last days. Any other failure ends the trigger with an ``error`` event.

    Events: ``{"status": "success" | "failure", "document": {...}}`` or
    ``{"status": "error", "document_id": ..., "message": ...}``.

    :param document_id: the document to watch.
    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
    :param success_statuses: lower-case statuses that end the wait successfully.
    :param failure_statuses: lower-case statuses that end the wait as a failure.
    :param poke_interval: seconds between polls.
    """

    def __init__(
        self,
        document_id: str,
        legalesign_conn_id: str = "legalesign_default",
        success_statuses: list[str] | tuple[str, ...] = ("completed",),
        failure_statuses: list[str] | tuple[str, ...] = ("rejected",),
        poke_interval: float = 60.0,
    ) -> None:
        super().__init__()
        self.document_id = document_id
        self.legalesign_conn_id = legalesign_conn_id
        self.success_statuses = list(success_statuses)
        self.failure_statuses = list(failure_statuses)
        self.poke_interval = poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "document_id": self.document_id,
                "legalesign_conn_id": self.legalesign_conn_id,
                "success_statuses": self.success_statuses,
                "failure_statuses": self.failure_statuses,
                "poke_interval": self.poke_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from asgiref.sync import sync_to_async

        from airflow_provider_legalesign.exceptions import LegalesignError
        from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

        hook = LegalesignHook(legalesign_conn_id=self.legalesign_conn_id)
        get_document = sync_to_async(hook.get_document, thread_sensitive=False)
        self.log.info(
            "Waiting for Legalesign document %s to reach %s (fails on %s), polling every %g s.",
            self.document_id,
            ", ".join(self.success_statuses),
            ", ".join(self.failure_statuses),
            self.poke_interval,
        )
        while True:
            try:
                document = await get_document(self.document_id)
            except LegalesignError as error:
                if not error.retryable:
                    yield TriggerEvent(
                        {"status": "error", "document_id": self.document_id, "message": str(error)}
                    )
                    return
                self.log.warning(
                    "Polling document %s failed (%s). Polling again in %g s.",
                    self.document_id,
                    error,
                    self.poke_interval,
                )
            else:
                outcome = document_outcome(document, self.success_statuses, self.failure_statuses)
                if outcome is not None:
                    yield TriggerEvent({"status": outcome, "document": document})
                    return
                self.log.debug("Document %s is %s.", self.document_id, document.get("status"))
            await asyncio.sleep(self.poke_interval)
