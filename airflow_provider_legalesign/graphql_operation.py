"""
The operation a GraphQL document runs, and whether it is a mutation.

A mutation must not be replayed after a failure that may have reached the server, so the transport
needs to know the operation type. It is read with graphql-core's parser, not a regular expression,
because comments, fragments and several operations in one document fool any pattern. graphql-core
takes about 200 ms to import, so it is imported on first use, never at DAG parse time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from airflow_provider_legalesign.exceptions import LegalesignConfigurationError, LegalesignGraphQLError


@dataclass(frozen=True)
class GraphQLOperation:
    """
    The operation of a GraphQL document that a request runs.

    :param kind: ``"query"`` or ``"mutation"``.
    :param name: the operation's name, or ``None`` for an anonymous operation.
    :param root_fields: names of the top-level fields it selects, for log lines.
    """

    kind: str
    name: str | None
    root_fields: tuple[str, ...]

    @property
    def is_mutation(self) -> bool:
        return self.kind == "mutation"

    def describe(self) -> str:
        """Return a short label such as ``mutation Send (send)`` for log lines and messages."""
        label = self.kind if self.name is None else f"{self.kind} {self.name}"
        return f"{label} ({', '.join(self.root_fields)})" if self.root_fields else label


def parse_operation(query: str, operation_name: str | None = None) -> GraphQLOperation:
    """
    Parse ``query`` and return the operation that ``operation_name`` selects.

    :raises LegalesignGraphQLError: the text is not valid GraphQL; no request is sent.
    :raises LegalesignConfigurationError: the document has no operation, several operations and no
        ``operation_name``, or no operation of that name, or it is a subscription.
    """
    if not isinstance(query, str) or not query.strip():
        raise LegalesignConfigurationError(
            "The GraphQL query is empty. Pass the query text, or a path to a .graphql or .gql file."
        )
    return _parse_operation_cached(query, operation_name)


@lru_cache(maxsize=256)
def _parse_operation_cached(query: str, operation_name: str | None) -> GraphQLOperation:
    from graphql import GraphQLSyntaxError, parse
    from graphql.language import FieldNode, OperationDefinitionNode

    try:
        document = parse(query, no_location=False)
    except GraphQLSyntaxError as error:
        raise LegalesignGraphQLError(
            f"The GraphQL query is not valid GraphQL, so it was not sent: {error.message} "
            f"(line {error.locations[0].line}, column {error.locations[0].column})."
            if error.locations
            else f"The GraphQL query is not valid GraphQL, so it was not sent: {error.message}.",
            errors=[dict(error.formatted)],
        ) from error

    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    if not operations:
        raise LegalesignConfigurationError(
            "The GraphQL document defines no operation (only fragments). Add a query or a mutation."
        )
    names = [node.name.value if node.name else None for node in operations]
    if operation_name is not None:
        matches = [node for node in operations if node.name and node.name.value == operation_name]
        if not matches:
            raise LegalesignConfigurationError(
                f"The GraphQL document has no operation named {operation_name!r}; it defines "
                f"{', '.join(repr(name) for name in names)}. Fix operation_name."
            )
        operation = matches[0]
    elif len(operations) > 1:
        raise LegalesignConfigurationError(
            f"The GraphQL document defines {len(operations)} operations "
            f"({', '.join(repr(name) for name in names)}). Pass operation_name to choose one."
        )
    else:
        operation = operations[0]

    kind = operation.operation.value
    if kind not in ("query", "mutation"):
        raise LegalesignConfigurationError(
            f"GraphQL {kind} operations need a WebSocket connection and are not supported. "
            "Use a query, or a sensor that polls one."
        )
    root_fields = tuple(
        selection.name.value
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode)
    )
    return GraphQLOperation(
        kind=kind, name=operation.name.value if operation.name else None, root_fields=root_fields
    )
