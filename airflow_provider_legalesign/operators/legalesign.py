"""Operators for Legalesign's GraphQL API."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_legalesign.exceptions import (
    LegalesignAPIError,
    LegalesignConfigurationError,
    LegalesignError,
    LegalesignStateError,
)
from airflow_provider_legalesign.hooks.legalesign import (
    TASK_FAILURE_STATUSES,
    TASK_SUCCESS_STATUSES,
    LegalesignHook,
)

# Documents created this long before a run's first try are still searched for its tag, in case
# Legalesign's clock runs ahead of Airflow's.
CLOCK_SKEW_MARGIN = timedelta(minutes=10)

# The largest ``data``, as JSON, that LegalesignGraphQLOperator pushes to XCom by default. XCom
# values live in Airflow's metadata database, which is not meant for bulk data.
DEFAULT_MAX_RESULT_BYTES = 1024 * 1024

if TYPE_CHECKING:
    from collections.abc import Sequence

    import jinja2
    from airflow.providers.common.compat.sdk import Context


class LegalesignGraphQLOperator(BaseOperator):
    """
    Run a GraphQL query or mutation on Legalesign and return the response's ``data``.

    Airflow pushes the returned ``data`` to XCom as ``return_value``. A response with GraphQL ``errors``
    fails the task, even when it carries partial data.

    Airflow renders ``query`` and ``variables`` with Jinja, so ``{{`` and ``{#`` in them start Jinja
    syntax. Wrap text meant literally in ``{% raw %}`` ... ``{% endraw %}``. Only ``query`` is ever
    read as a file: a string ending in ``.graphql`` that contains a brace or a line break is GraphQL
    text, and strings inside ``variables`` are always values.

    :param query: the GraphQL document, or the path of a ``.graphql`` or ``.gql`` file relative to the
        DAG folder or ``template_searchpath``. (templated)
    :param variables: values for the document's variables, as a dict or a JSON object string. (templated)
    :param operation_name: which operation to run, required when the document defines several.
    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
    :param max_result_bytes: the largest ``data``, in bytes of JSON, that the task pushes to XCom (1 MiB
        by default). A larger result fails the task. None turns the check off, for an XCom backend that
        stores large values outside the metadata database.
    """

    template_fields: Sequence[str] = ("query", "variables")
    template_ext: Sequence[str] = (".graphql", ".gql")
    template_fields_renderers = {"variables": "json"}
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        query: str,
        variables: dict[str, Any] | str | None = None,
        operation_name: str | None = None,
        legalesign_conn_id: str = LegalesignHook.default_conn_name,
        max_result_bytes: int | None = DEFAULT_MAX_RESULT_BYTES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_result_bytes is not None and (
            isinstance(max_result_bytes, bool)
            or not isinstance(max_result_bytes, int)
            or max_result_bytes < 1
        ):
            raise LegalesignConfigurationError(
                f"{type(self).__name__} {kwargs.get('task_id')!r}: max_result_bytes must be a positive whole "
                f"number of bytes or None, got {max_result_bytes!r}."
            )
        if not isinstance(query, str) or not query.strip():
            raise LegalesignConfigurationError(
                f"{type(self).__name__} {kwargs.get('task_id')!r}: query must be a non-empty string with the "
                "GraphQL document or the path of a .graphql or .gql file."
            )
        if variables is not None and not isinstance(variables, (dict, str)):
            raise LegalesignConfigurationError(
                f"{type(self).__name__} {kwargs.get('task_id')!r}: variables must be a dict or a JSON object "
                f"string, not {type(variables).__name__}."
            )
        self.query = query
        self.variables = variables
        self.operation_name = operation_name
        self.legalesign_conn_id = legalesign_conn_id
        self.max_result_bytes = max_result_bytes
        # The file that query was read from, for error messages.
        self._query_file: str | None = None

    def resolve_template_files(self) -> None:
        """Read ``query`` from its file when it names one; a missing file is reported when rendering."""
        from airflow_provider_legalesign.query_templates import is_query_path

        # Airflow's own version would read any string ending in .graphql, inline GraphQL text too, and
        # log a traceback for a missing file while the DAG is parsed.
        if is_query_path(self.query):
            environment = self.get_template_env()
            if environment.loader is not None:
                import jinja2

                try:
                    source = environment.loader.get_source(environment, self.query)[0]
                except jinja2.TemplateNotFound:
                    pass
                else:
                    self._query_file = self.query
                    self.query = source
        self.prepare_template()

    def render_template(
        self,
        content: Any,
        context: Context,
        jinja_env: jinja2.Environment | None = None,
        seen_oids: set[int] | None = None,
    ) -> Any:
        """Render one value like Airflow does, but read only ``query`` as a file, and explain Jinja errors."""
        import jinja2

        from airflow_provider_legalesign.query_templates import (
            QUERY_FILE_EXTENSIONS,
            is_query_path,
            template_error,
        )

        # Airflow calls this once per templated field and again for each value nested in it. The identity
        # test separates the top-level calls, which name the field in an error, from the nested ones.
        field: str | None = None
        if content is self.query:
            field = "query"
        elif content is self.variables:
            field = "variables"
        environment = jinja_env or self.get_template_env()
        try:
            if isinstance(content, str) and content.endswith(QUERY_FILE_EXTENSIONS):
                if not (field == "query" and is_query_path(content)):
                    return self._render(environment.from_string(content), context)
            return super().render_template(content, context, environment, seen_oids)
        except jinja2.TemplateError as error:
            if field is None:
                raise
            raise template_error(
                error,
                task_id=self.task_id,
                field=field,
                query_file=self._query_file,
                environment=environment,
            ) from error

    def _rendered_variables(self) -> dict[str, Any] | None:
        variables = self.variables
        if variables is None or isinstance(variables, dict):
            return variables
        if isinstance(variables, str):
            if not variables.strip():
                return None
            try:
                parsed = json.loads(variables)
            except json.JSONDecodeError as error:
                raise LegalesignConfigurationError(
                    f"Task {self.task_id!r}: variables rendered to a string that is not JSON ({error.msg} at "
                    f"position {error.pos}). Pass a dict, or a JSON object string."
                ) from error
            if isinstance(parsed, dict):
                return parsed
            raise LegalesignConfigurationError(
                f"Task {self.task_id!r}: variables must be a dict or a JSON object string, and this string is "
                f'a JSON {_json_type(parsed)}. Name each GraphQL variable as a key, as in {{"id": "..."}}.'
            )
        raise LegalesignConfigurationError(
            f"Task {self.task_id!r}: variables must be a dict or a JSON object string, "
            f"not {type(variables).__name__}."
        )

    def execute(self, context: Context) -> Any:
        if self._query_file and not self.query.strip():
            raise LegalesignConfigurationError(
                f"Task {self.task_id!r}: the query file {self._query_file!r} is empty. Write the GraphQL "
                "operation into it."
            )
        variables = self._rendered_variables()
        hook = LegalesignHook(legalesign_conn_id=self.legalesign_conn_id)
        self.log.info(
            "Running a Legalesign GraphQL request on connection %s (operation %s, %d variable(s)).",
            self.legalesign_conn_id,
            self.operation_name or "default",
            len(variables or {}),
        )
        data = hook.run_query(self.query, variables=variables, operation_name=self.operation_name)
        self.log.info("Legalesign returned data for %s.", ", ".join(sorted(data)) or "no fields")
        self._check_result_size(data)
        return data

    def _check_result_size(self, data: dict[str, Any]) -> None:
        if self.max_result_bytes is None:
            return
        size = len(json.dumps(data, separators=(",", ":")).encode("utf-8"))
        if size <= self.max_result_bytes:
            return
        from airflow_provider_legalesign.graphql_operation import parse_operation

        applied = (
            " The mutation was applied, and the task is not retried, so it is not sent again."
            if parse_operation(self.query, self.operation_name).is_mutation
            else ""
        )
        # A configuration error fails the task without Airflow retries, which would get the same size.
        raise LegalesignConfigurationError(
            f"Task {self.task_id!r}: the response data is {size} bytes of JSON, more than max_result_bytes "
            f"({self.max_result_bytes}), so it was not pushed to XCom.{applied} Select fewer fields, fetch "
            "fewer items per request (first/after), or raise max_result_bytes if your XCom backend stores "
            "large values outside the metadata database."
        )


class LegalesignSendDocumentOperator(BaseOperator):
    """
    Send a document for signature from a template, and return the send task id and the new document ids.

    The input goes to the ``send`` mutation as a GraphQL variable and is checked against Legalesign's send
    rules first, so an invalid input fails with the rule it broke and sends nothing. The operator then
    polls the send task until Legalesign reports it ``COMPLETED`` (or the older ``COMPLETE``) or ``FAILED``.

    ``send`` is not idempotent, so the operator tags the document with a tag derived from the DAG id,
    run id, task id and map index. On a later try of the same task instance it first looks for a
    document with that tag, created since the run began, and adopts it instead of sending again.

    :param group_id: the Legalesign group (``grp`` id) to send from. (templated)
    :param template_id: the template (``tpl`` id) to send. (templated)
    :param title: the document title, at most 1028 characters. (templated)
    :param recipients: the recipients as Legalesign's ``RecipientInput`` objects, each with at least
        ``email`` and ``order``, usually ``firstName``, ``lastName`` and ``roleId``. (templated)
    :param send_options: other ``DocumentSendSettingsInput`` fields, such as ``suppressEmails`` or
        ``sequentialSigning``. The operator sets ``tag`` itself. (templated)
    :param wait_for_documents: poll the send task until it finishes and return the document ids. With
        ``False``, return right after ``send`` with an empty ``document_ids``.
    :param task_poll_interval: seconds between polls of the send task.
    :param task_timeout: seconds to wait for the send task before failing.
    :param duplicate_check_window: on a retry, seconds to keep looking for a document that an earlier
        try sent before sending again. Legalesign creates the document a few seconds after ``send``
        returns, and this covers that delay.
    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
    """

    template_fields: Sequence[str] = ("group_id", "template_id", "title", "recipients", "send_options")
    template_fields_renderers = {"recipients": "json", "send_options": "json"}
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        group_id: str,
        template_id: str,
        title: str,
        recipients: list[dict[str, Any]] | str,
        send_options: dict[str, Any] | None = None,
        wait_for_documents: bool = True,
        task_poll_interval: float = 5.0,
        task_timeout: float = 600.0,
        duplicate_check_window: float = 30.0,
        legalesign_conn_id: str = LegalesignHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if send_options is not None and not isinstance(send_options, (dict, str)):
            raise LegalesignConfigurationError(
                f"{type(self).__name__} {kwargs.get('task_id')!r}: send_options must be a dict, "
                f"not {type(send_options).__name__}."
            )
        for name, value, minimum in (
            ("task_poll_interval", task_poll_interval, "positive"),
            ("task_timeout", task_timeout, "positive"),
            ("duplicate_check_window", duplicate_check_window, "zero or positive"),
        ):
            valid_number = not isinstance(value, bool) and isinstance(value, (int, float))
            if not valid_number or value < 0 or (value == 0 and minimum == "positive"):
                raise LegalesignConfigurationError(
                    f"{type(self).__name__} {kwargs.get('task_id')!r}: {name} must be a {minimum} number of "
                    f"seconds, got {value!r}."
                )
        self.group_id = group_id
        self.template_id = template_id
        self.title = title
        self.recipients = recipients
        self.send_options = send_options
        self.wait_for_documents = wait_for_documents
        self.task_poll_interval = task_poll_interval
        self.task_timeout = task_timeout
        self.duplicate_check_window = duplicate_check_window
        self.legalesign_conn_id = legalesign_conn_id

    def _build_input(self, tag: str) -> dict[str, Any]:
        from airflow_provider_legalesign.send_input import OPERATOR_FIELDS, validate_send_input

        recipients = _json_value(self.recipients, "recipients", self.task_id)
        options = _json_value(self.send_options, "send_options", self.task_id) or {}
        if not isinstance(options, dict):
            raise LegalesignConfigurationError(
                f"Task {self.task_id!r}: send_options must be a dict, not {type(options).__name__}."
            )
        clashes = sorted(OPERATOR_FIELDS & set(options))
        if clashes:
            raise LegalesignConfigurationError(
                f"Task {self.task_id!r}: send_options sets {', '.join(clashes)}, which the operator sets "
                "itself. Pass group_id, template_id, title and recipients as arguments; the tag is "
                "reserved for finding the document again after a retry."
            )
        send_input = {
            **options,
            "groupId": self.group_id,
            "templateId": self.template_id,
            "title": self.title,
            "recipients": recipients,
            "tag": tag,
        }
        validate_send_input(send_input)
        return send_input

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_legalesign.send_input import send_tag

        ti = context["ti"]
        map_index = ti.map_index if ti.map_index is not None else -1
        tag = send_tag(ti.dag_id, ti.run_id, ti.task_id, map_index)
        send_input = self._build_input(tag)
        hook = LegalesignHook(legalesign_conn_id=self.legalesign_conn_id)

        if ti.try_number > 1:
            earlier = self._find_earlier_send(hook, tag, context, ti.try_number)
            if earlier:
                self.log.info(
                    "Try %d: document(s) %s with tag %s exist from an earlier try, so they are adopted and "
                    "nothing is sent again.",
                    ti.try_number,
                    ", ".join(document["id"] for document in earlier),
                    tag,
                )
                return {
                    "task_id": earlier[0].get("taskId"),
                    "document_ids": [document["id"] for document in earlier],
                }
            self.log.info("Try %d: no document with tag %s exists, so it is sent now.", ti.try_number, tag)

        self.log.info(
            "Sending %r from template %s in group %s to %d recipient(s), tag %s.",
            self.title,
            self.template_id,
            self.group_id,
            len(send_input["recipients"]),
            tag,
        )
        task_id = hook.send_document(send_input)
        self.log.info("Legalesign accepted the send as task %s.", task_id)
        if not self.wait_for_documents:
            return {"task_id": task_id, "document_ids": []}

        task = self._wait_for_task(hook, task_id)
        document_ids = task["document_ids"]
        if not document_ids:
            # The older task shape does not list documents, so they are found by their tag.
            document_ids = [document["id"] for document in self._find_tagged_documents(hook, tag, context)]
        self.log.info(
            "Send task %s completed with document(s) %s.", task_id, ", ".join(document_ids) or "none"
        )
        return {"task_id": task_id, "document_ids": document_ids}

    def _wait_for_task(self, hook: LegalesignHook, task_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.task_timeout
        while True:
            task = hook.get_task(task_id)
            status = task["status"]
            if status in TASK_SUCCESS_STATUSES:
                return task
            if status in TASK_FAILURE_STATUSES:
                raise LegalesignStateError(
                    f"Legalesign send task {task_id} FAILED: {'; '.join(task['errors']) or 'no error given'}. "
                    "Nothing was sent; fix the cause (credit, stop list, template) and clear the task.",
                    status=status,
                    details=task,
                )
            if time.monotonic() >= deadline:
                raise LegalesignError(
                    f"Legalesign send task {task_id} did not finish within {self.task_timeout:g} s. A retry of "
                    "this task finds the document by its tag instead of sending again."
                )
            self.log.info(
                "Send task %s is still running; checking again in %g s.", task_id, self.task_poll_interval
            )
            time.sleep(self.task_poll_interval)

    def _find_earlier_send(
        self, hook: LegalesignHook, tag: str, context: Context, try_number: int
    ) -> list[dict[str, Any]]:
        """
        Return the documents that an earlier try of this task instance sent, waiting a little if none shows.

        Legalesign creates a document while the send task runs, a few seconds after ``send`` returns, so a
        retry that starts right after an ambiguous failure may search too early. Searching again until
        ``duplicate_check_window`` seconds after this try began covers that gap.
        """
        deadline = time.monotonic() + self.duplicate_check_window
        while True:
            found = self._find_tagged_documents(hook, tag, context)
            if found or time.monotonic() >= deadline:
                return found
            self.log.info(
                "Try %d: no document with tag %s yet; looking again in %g s, in case an earlier try's send "
                "is still being processed.",
                try_number,
                tag,
                self.task_poll_interval,
            )
            time.sleep(self.task_poll_interval)

    def _find_tagged_documents(
        self, hook: LegalesignHook, tag: str, context: Context
    ) -> list[dict[str, Any]]:
        run_began = _run_began(context)
        return [
            document
            for document in hook.iter_documents(self.group_id, created_after=run_began - CLOCK_SKEW_MARGIN)
            if tag in (document.get("tags") or [])
        ]


class LegalesignDownloadDocumentOperator(BaseOperator):
    """
    Download a document's PDF to a local path or object storage, and return the destination path.

    The short-lived download link is requested right before the download, the PDF is streamed without
    holding it in memory, and its first bytes are checked to be a PDF before anything is written. A link
    that expires before the download starts is requested once more. The returned path, never the bytes,
    goes to XCom.

    :param document_id: the document (``doc`` id) to download. (templated)
    :param destination: a local file path, a folder (ending with ``/``) that gets ``<document id>.pdf``,
        or an ``ObjectStoragePath`` URL such as ``s3://aws_default@bucket/contracts/``. (templated)
    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
    """

    template_fields: Sequence[str] = ("document_id", "destination")
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        document_id: str,
        destination: str,
        legalesign_conn_id: str = LegalesignHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value in (("document_id", document_id), ("destination", destination)):
            if not isinstance(value, str) or not value.strip():
                raise LegalesignConfigurationError(
                    f"{type(self).__name__} {kwargs.get('task_id')!r}: {name} must be a non-empty string."
                )
        self.document_id = document_id
        self.destination = destination
        self.legalesign_conn_id = legalesign_conn_id

    def execute(self, context: Context) -> str:
        from airflow_provider_legalesign.download import LINK_EXPIRED, download_pdf, resolve_destination

        hook = LegalesignHook(legalesign_conn_id=self.legalesign_conn_id)
        target = resolve_destination(self.destination, self.document_id)
        for link_attempt in (1, 2):
            link = hook.get_document_link(self.document_id)
            try:
                size = download_pdf(
                    link, target, timeout=hook.settings.timeout, max_attempts=hook.settings.max_attempts
                )
            except LegalesignAPIError as error:
                if error.error_code != LINK_EXPIRED or link_attempt == 2:
                    raise
                self.log.warning(
                    "The download link of document %s expired before use (%s). Requesting a new one.",
                    self.document_id,
                    error,
                )
            else:
                break
        self.log.info("Downloaded document %s (%d bytes) to %s.", self.document_id, size, target)
        return str(target)


def _json_type(value: Any) -> str:
    """Return the JSON name of a decoded value's type: array, string, number, boolean or null."""
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _json_value(value: Any, name: str, task_id: str) -> Any:
    """Return ``value``, decoding it first if templating rendered it to a JSON string."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise LegalesignConfigurationError(
            f"Task {task_id!r}: {name} rendered to a string that is not JSON ({error.msg} at position "
            f"{error.pos}). Pass a list or dict, or a template that renders JSON."
        ) from error


def _run_began(context: Context) -> datetime:
    """Return a time no later than the first try of this task instance: the run's run_after or start."""
    dag_run = context.get("dag_run")
    candidates = [
        getattr(dag_run, name, None) for name in ("run_after", "logical_date", "start_date", "queued_at")
    ]
    moments = [moment for moment in candidates if isinstance(moment, datetime)]
    if not moments:
        return datetime.now(UTC) - timedelta(days=1)
    return min(moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in moments)
