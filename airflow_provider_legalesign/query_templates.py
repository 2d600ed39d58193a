"""
Jinja rendering of GraphQL text: which strings name query files, and errors that say what to fix.

Airflow renders templated fields with Jinja and reads any templated string that ends in a template
extension as a file. Both go wrong for GraphQL in ways a DAG author does not expect:

- GraphQL text can contain Jinja syntax by accident. A selection set that starts with a comment,
  ``{# ...``, opens a Jinja comment, and ``{{`` inside a string literal opens a Jinja expression.
- Inline query text whose last line mentions a file, or a value in ``variables`` such as
  ``"schema.graphql"``, would be read as a file name.

Jinja is imported only where an error is reported, so that parsing a DAG does not pay for it here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_legalesign.exceptions import LegalesignConfigurationError

if TYPE_CHECKING:
    import jinja2

QUERY_FILE_EXTENSIONS = (".graphql", ".gql")

RAW_BLOCK_HINT = "To send such text literally, wrap it in {% raw %} ... {% endraw %}."
COMMENT_HINT = 'A GraphQL comment right after a brace also works with a space between them, as in "{ #".'


def is_query_path(text: Any) -> bool:
    """
    Return whether ``text`` names a query file rather than holding GraphQL.

    A path ends in ``.graphql`` or ``.gql`` and has no brace and no line break, because every
    GraphQL operation has a selection set in braces.
    """
    return (
        isinstance(text, str)
        and text.endswith(QUERY_FILE_EXTENSIONS)
        and "{" not in text
        and "\n" not in text
    )


def template_error(
    error: jinja2.TemplateError,
    *,
    task_id: str,
    field: str,
    query_file: str | None,
    environment: jinja2.Environment | None,
) -> LegalesignConfigurationError:
    """
    Return the error to raise for a Jinja failure while rendering one templated field.

    :param error: what Jinja raised.
    :param task_id: the task whose field failed.
    :param field: the templated field, ``query`` or ``variables``.
    :param query_file: the file that ``query`` was read from, if any.
    :param environment: the Jinja environment, whose loader's search path a missing file is
        reported with.
    """
    import jinja2

    prefix = f"Task {task_id!r}:"
    if isinstance(error, jinja2.TemplateNotFound):
        return LegalesignConfigurationError(
            f"{prefix} the {field} file {error.name!r} was not found in the DAG folder or the DAG's "
            f"template_searchpath ({_search_path(environment)}). Fix the path, which is relative to those "
            "folders, or add the file's folder to template_searchpath."
        )
    if isinstance(error, jinja2.TemplateSyntaxError):
        source = error.name or (query_file if field == "query" else None)
        where = f"line {error.lineno}" + (f" of {source}" if source else "")
        return LegalesignConfigurationError(
            f"{prefix} the {field} is not a valid Jinja template: {error.message} ({where}). Airflow renders "
            f'it with Jinja, where "{{#" starts a Jinja comment and "{{{{" an expression. {RAW_BLOCK_HINT} '
            f"{COMMENT_HINT}"
        )
    if isinstance(error, jinja2.UndefinedError):
        return LegalesignConfigurationError(
            f"{prefix} the {field} field uses a value that is not defined in the template context: {error.message}. "
            f"Define it, for example in params, or check its spelling. {RAW_BLOCK_HINT}"
        )
    return LegalesignConfigurationError(
        f"{prefix} rendering the {field} with Jinja failed ({type(error).__name__}: {error}). {RAW_BLOCK_HINT}"
    )


def _search_path(environment: jinja2.Environment | None) -> str:
    folders = getattr(getattr(environment, "loader", None), "searchpath", None)
    if not folders:
        return "no folder is configured"
    return ", ".join(str(folder) for folder in folders)
