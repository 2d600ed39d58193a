"""Operators for Legalesign's GraphQL API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_legalesign.exceptions import LegalesignConfigurationError
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context


class LegalesignGraphQLOperator(BaseOperator):
    """
    Run a GraphQL query or mutation on Legalesign and return the response's ``data``.

    Airflow pushes the returned ``data`` to XCom as ``return_value``. A response with GraphQL ``errors``
    fails the task, even when it carries partial data.

    :param query: the GraphQL document, or the path of a ``.graphql`` or ``.gql`` file relative to the
        DAG folder or ``template_searchpath``. (templated)
    :param variables: values for the document's variables, as a dict or a JSON object string. (templated)
    :param operation_name: which operation to run, required when the document defines several.
    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
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
            f"Task {self.task_id!r}: variables must be a dict or a JSON object string, "
            f"not {type(variables).__name__}."
        )

    def execute(self, context: Context) -> Any:
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
        return data
