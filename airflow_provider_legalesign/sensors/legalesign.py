"""Sensor that waits for a Legalesign document to be signed."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_legalesign.document_status import (
    FAILURE,
    SUCCESS,
    describe_recipients,
    document_outcome,
    normalise_statuses,
)
from airflow_provider_legalesign.exceptions import (
    LegalesignConfigurationError,
    LegalesignError,
    LegalesignStateError,
)
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context


class LegalesignDocumentSensor(BaseSensorOperator):
    """
    Wait until a document reaches a success status, and return the document.

    A document in a failure status fails the task at once, without Airflow retries, with the status and
    each recipient's status: retrying cannot undo a rejection. By default the sensor checks once and
    then defers to :class:`~airflow_provider_legalesign.triggers.legalesign.LegalesignDocumentTrigger`,
    so no worker slot is held while the signers take hours or days. With ``deferrable=False`` it runs
    as a classic sensor in ``poke`` or ``reschedule`` mode.

    The returned document (id, name, status, tags, timestamps, recipients) goes to XCom.

    :param document_id: the document (``doc`` id) to wait for. (templated)
    :param success_statuses: statuses that end the wait successfully, compared without regard to case.
    :param failure_statuses: statuses that fail the task at once.
    :param deferrable: wait in the triggerer instead of a worker slot.
    :param poke_interval: seconds between checks, in every mode.
    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
    """

    template_fields: Sequence[str] = ("document_id",)
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        document_id: str,
        success_statuses: Sequence[str] = ("completed",),
        failure_statuses: Sequence[str] = ("rejected",),
        deferrable: bool = True,
        poke_interval: float = 60,
        legalesign_conn_id: str = LegalesignHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.success_statuses = normalise_statuses(success_statuses, "success_statuses")
        self.failure_statuses = normalise_statuses(failure_statuses, "failure_statuses")
        overlap = sorted(set(self.success_statuses) & set(self.failure_statuses))
        if overlap:
            raise LegalesignConfigurationError(
                f"{type(self).__name__} {kwargs.get('task_id')!r}: {', '.join(overlap)} is in both "
                "success_statuses and failure_statuses."
            )
        if not isinstance(document_id, str) or not document_id.strip():
            raise LegalesignConfigurationError(
                f"{type(self).__name__} {kwargs.get('task_id')!r}: document_id must be a non-empty string."
            )
        self.document_id = document_id
        self.deferrable = deferrable
        self.legalesign_conn_id = legalesign_conn_id

    def _check(self, document: dict[str, Any]) -> bool:
        outcome = document_outcome(document, self.success_statuses, self.failure_statuses)
        if outcome == FAILURE:
            raise LegalesignStateError(
                f"Legalesign document {self.document_id} is {document.get('status')!r}, one of the failure "
                f"statuses {list(self.failure_statuses)}. Recipients: {describe_recipients(document)}.",
                status=document.get("status"),
                details=document,
            )
        if outcome == SUCCESS:
            self.log.info(
                "Document %s is %s. Recipients: %s.",
                self.document_id,
                document.get("status"),
                describe_recipients(document),
            )
            return True
        self.log.info(
            "Document %s is %s; waiting for %s.",
            self.document_id,
            document.get("status"),
            ", ".join(self.success_statuses),
        )
        return False

    def poke(self, context: Context) -> PokeReturnValue:
        document = LegalesignHook(legalesign_conn_id=self.legalesign_conn_id).get_document(self.document_id)
        done = self._check(document)
        return PokeReturnValue(is_done=done, xcom_value=document if done else None)

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        # A document that is already final needs no trigger.
        first = self.poke(context)
        if first.is_done:
            return first.xcom_value
        # Imported here, not at the top: the trigger module loads airflow.triggers.base, which adds about
        # 7 ms to parsing every DAG file that uses this sensor (bench/import_time.py measures it).
        from airflow_provider_legalesign.triggers.legalesign import LegalesignDocumentTrigger

        self.defer(
            trigger=LegalesignDocumentTrigger(
                document_id=self.document_id,
                legalesign_conn_id=self.legalesign_conn_id,
                success_statuses=list(self.success_statuses),
                failure_statuses=list(self.failure_statuses),
                poke_interval=float(self.poke_interval),
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Finish the task with the trigger's event: return the document, or raise why the wait failed."""
        status = event.get("status")
        if status in (SUCCESS, FAILURE):
            self._check(event["document"])
            return event["document"]
        raise LegalesignError(
            f"Waiting for Legalesign document {self.document_id} failed: {event.get('message') or event}"
        )
