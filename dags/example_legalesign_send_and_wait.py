"""
Send a contract for signature, wait for every signature without holding a worker, then file the PDF.

The default params point at the local sandbox's seeded group, template and signer role
(``python -m airflow_provider_legalesign.sandbox``). For a real account, trigger the DAG with your own
``group_id``, ``template_id``, ``role_id`` and signer.
"""

from __future__ import annotations

import logging
from datetime import datetime

try:
    from airflow.sdk import Param, dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.models.param import Param

from airflow_provider_legalesign.operators.legalesign import (
    LegalesignDownloadDocumentOperator,
    LegalesignSendDocumentOperator,
)
from airflow_provider_legalesign.sensors.legalesign import LegalesignDocumentSensor

log = logging.getLogger(__name__)

# Ids of the sandbox's seeded group, template and role: base64 of Legalesign's type prefix and an id.
SANDBOX_GROUP_ID = "Z3Jwc2FuZGJveC1ncm91cA=="
SANDBOX_TEMPLATE_ID = "dHBsc2FuZGJveC1uZGE="
SANDBOX_ROLE_ID = "cm9sc2FuZGJveC1uZGEtMQ=="


@dag(
    dag_id="example_legalesign_send_and_wait",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "legalesign"],
    params={
        "group_id": Param(SANDBOX_GROUP_ID, type="string", description="Legalesign group (grp) id"),
        "template_id": Param(SANDBOX_TEMPLATE_ID, type="string", description="Template (tpl) id"),
        "role_id": Param(SANDBOX_ROLE_ID, type="string", description="Signer role (rol) id of the template"),
        "signer_email": Param("signer@example.com", type="string"),
        "signer_first_name": Param("Sam", type="string"),
        "signer_last_name": Param("Signer", type="string"),
        "download_folder": Param("/tmp/legalesign/", type="string", description="Local folder or URL"),
    },
)
def example_legalesign_send_and_wait() -> None:
    send = LegalesignSendDocumentOperator(
        task_id="send_contract",
        group_id="{{ params.group_id }}",
        template_id="{{ params.template_id }}",
        # A run triggered without a logical date (the default for manual runs in Airflow 3) has no `ds`.
        title="Contract for {{ params.signer_first_name }} {{ params.signer_last_name }} "
        "({{ ds if ds is defined else dag_run.run_after | ds }})",
        recipients=[
            {
                "firstName": "{{ params.signer_first_name }}",
                "lastName": "{{ params.signer_last_name }}",
                "email": "{{ params.signer_email }}",
                "order": 1,
                "roleId": "{{ params.role_id }}",
            }
        ],
        task_poll_interval=2,
    )

    wait = LegalesignDocumentSensor(
        task_id="wait_for_signatures",
        document_id="{{ ti.xcom_pull(task_ids='send_contract')['document_ids'][0] }}",
        # Signers take hours; checking every 10 s keeps the sandbox demo short. Use minutes in production.
        poke_interval=10,
    )

    download = LegalesignDownloadDocumentOperator(
        task_id="download_signed_pdf",
        document_id="{{ ti.xcom_pull(task_ids='wait_for_signatures')['id'] }}",
        destination="{{ params.download_folder }}",
    )

    @task
    def report(path: str) -> str:
        log.info("The signed contract is at %s.", path)
        return path

    send >> wait >> download
    report(download.output)


example_legalesign_send_and_wait()
