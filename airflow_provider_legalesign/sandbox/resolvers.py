"""
Resolvers that resolve the sandbox schema from the in-memory store.

Plain fields resolve through :func:`default_field_resolver`, which reads the snake_case
attribute of the camelCase field. Root fields check that the signed-in user is a member of the
object's group: otherwise they return AppSync's resolver-level error, errorType
``Unauthorized`` with "Not Authorized to access <field> on type <type>", and HTTP 200.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from airflow_provider_legalesign.sandbox import ids
from airflow_provider_legalesign.sandbox.errors import (
    NOT_FOUND,
    VALIDATION_ERROR,
    ResolverError,
    unauthorized,
)
from airflow_provider_legalesign.sandbox.pagination import (
    Page,
    paginate_by_index,
    paginate_documents,
)
from airflow_provider_legalesign.sandbox.send_validation import validate_send_input
from airflow_provider_legalesign.sandbox.store import (
    Document,
    Group,
    Recipient,
    StateError,
    Store,
    StoreError,
    Task,
    Template,
    User,
)

if TYPE_CHECKING:
    from airflow_provider_legalesign.sandbox.files import LinkSigner


@dataclass
class RequestContext:
    """The per-request state of the resolvers: the data, the signed-in user and link signing."""

    store: Store
    user: User
    links: LinkSigner


@cache
def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def default_field_resolver(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """Resolve a plain field from a dict key or from the snake_case attribute of its name."""
    if isinstance(source, dict):
        return source.get(info.field_name)
    return getattr(source, _snake_case(info.field_name), None)


def _context(info: GraphQLResolveInfo) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


def _require_prefix(value: str, prefix: str, type_name: str) -> None:
    if not ids.has_prefix(value, prefix):
        raise ResolverError(
            f"Invalid {type_name} id {value!r}: expected base64 of {prefix!r} + id", VALIDATION_ERROR
        )


def _require_member(context: RequestContext, group_id: str, type_name: str, field_name: str) -> None:
    if group_id not in context.user.group_ids:
        raise unauthorized(type_name, field_name)


# Query root fields.


def resolve_user(
    _root: Any, info: GraphQLResolveInfo, id: str | None = None, userId: str | None = None
) -> User:
    context = _context(info)
    requested_id = id or userId
    if requested_id is None or requested_id == context.user.id:
        return context.user
    _require_prefix(requested_id, ids.USER, "user")
    # Users can read only their own record, which is all an API integration needs.
    raise unauthorized("Query", "user")


def resolve_group(
    _root: Any, info: GraphQLResolveInfo, id: str | None = None, groupId: str | None = None
) -> Group:
    context = _context(info)
    requested_id = id or groupId
    if requested_id is None:
        raise ResolverError("group needs an id (or groupId) argument", VALIDATION_ERROR)
    _require_prefix(requested_id, ids.GROUP, "group")
    group = context.store.group(requested_id)
    if group is None:
        raise ResolverError(f"Group {requested_id} not found", NOT_FOUND)
    _require_member(context, group.id, "Query", "group")
    return group


def resolve_template(_root: Any, info: GraphQLResolveInfo, id: str) -> Template:
    context = _context(info)
    _require_prefix(id, ids.TEMPLATE, "template")
    template = context.store.template(id)
    if template is None:
        raise ResolverError(f"Template {id} not found", NOT_FOUND)
    _require_member(context, template.group_id, "Query", "template")
    return template


def _document_for(context: RequestContext, document_id: str, type_name: str, field_name: str) -> Document:
    _require_prefix(document_id, ids.DOCUMENT, "document")
    document = context.store.document(document_id)
    if document is None:
        raise ResolverError(f"Document {document_id} not found", NOT_FOUND)
    _require_member(context, document.group_id, type_name, field_name)
    return document


def resolve_document(_root: Any, info: GraphQLResolveInfo, id: str) -> Document:
    return _document_for(_context(info), id, "Query", "document")


def resolve_recipient(_root: Any, info: GraphQLResolveInfo, id: str) -> Recipient:
    context = _context(info)
    _require_prefix(id, ids.RECIPIENT, "recipient")
    recipient = context.store.recipient(id)
    if recipient is None:
        raise ResolverError(f"Recipient {id} not found", NOT_FOUND)
    document = context.store.document(recipient.document_id)
    assert document is not None
    _require_member(context, document.group_id, "Query", "recipient")
    return recipient


def resolve_task(_root: Any, info: GraphQLResolveInfo, id: str) -> Task:
    context = _context(info)
    _require_prefix(id, ids.TASK, "task")
    task = context.store.task(id)
    if task is None:
        raise ResolverError(f"Task {id} not found", NOT_FOUND)
    _require_member(context, task.group_id, "Query", "task")
    return task


# Mutation root fields.


def resolve_send(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> str:
    context = _context(info)
    problems = validate_send_input(input)
    if not problems:
        group = context.store.group(input["groupId"])
        if group is None:
            problems.append(f"groupId {input['groupId']} does not exist")
        elif group.id not in context.user.group_ids:
            raise unauthorized("Mutation", "send")
    if not problems:
        problems.extend(_template_problems(context.store.template(input["templateId"]), input))
    if problems:
        raise ResolverError(
            "Send input is invalid: " + ". ".join(problems) + ".",
            VALIDATION_ERROR,
            {"problems": problems},
        )
    return context.store.create_task(context.user, input).id


def _template_problems(template: Template | None, settings: dict[str, Any]) -> list[str]:
    if template is None:
        return [f"templateId {settings['templateId']} does not exist"]
    if template.group_id != settings["groupId"]:
        return [f"template {template.id} does not belong to group {settings['groupId']}"]
    if not template.valid:
        return [f"template {template.id} is not valid for sending"]
    role_ids = {role.id for role in template.roles}
    return [
        f"recipients[{index}].roleId {recipient['roleId']} is not a role of template {template.id}"
        for index, recipient in enumerate(settings["recipients"])
        if recipient.get("roleId") and recipient["roleId"] not in role_ids
    ]


def _change_document(info: GraphQLResolveInfo, field_name: str, document_id: str) -> str:
    context = _context(info)
    document = _document_for(context, document_id, "Mutation", field_name)
    try:
        if field_name == "cancelDocument":
            context.store.cancel_document(document.id)
        else:
            context.store.archive_document(document.id)
    except StateError as error:
        raise ResolverError(str(error), VALIDATION_ERROR) from error
    except StoreError as error:
        raise ResolverError(str(error), NOT_FOUND) from error
    return document.id


def resolve_cancel_document(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> str:
    return _change_document(info, "cancelDocument", input["documentId"])


def resolve_archive_document(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> str:
    return _change_document(info, "archiveDocument", input["documentId"])


# Relations and computed fields.


def _connection(page: Page[Any], list_name: str) -> dict[str, Any]:
    return {list_name: page.items, "totalCount": page.total_count, "pageInfo": page.page_info}


def resolve_member_connection(
    user: User, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> dict[str, Any]:
    store = _context(info).store
    members = [
        {
            "id": ids.encode_id(ids.MEMBER, f"{ids.decode_id(group_id)[1]}:{ids.decode_id(user.id)[1]}"),
            "permission": "ADMIN",
            "group": store.group(group_id),
            "user": user,
        }
        for group_id in user.group_ids
    ]
    page = paginate_by_index(members, first=first, last=None, after=after, before=None)
    return _connection(page, "groupMembers")


def resolve_template_connection(
    group: Group,
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    archived: bool | None = False,
) -> dict[str, Any]:
    templates = _context(info).store.templates_in_group(group.id, archived)
    page = paginate_by_index(templates, first=first, last=last, after=after, before=before)
    return _connection(page, "templates")


def resolve_document_connection(group: Group, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    documents = _context(info).store.list_documents(
        group.id,
        archived=args.get("archived"),
        created_from=args.get("from"),
        created_to=args.get("to"),
        email=args.get("email"),
    )
    page = paginate_documents(
        documents,
        first=args.get("first"),
        last=args.get("last"),
        after=args.get("after"),
        before=args.get("before"),
    )
    return _connection(page, "documents")


def resolve_document_link(document: Document, info: GraphQLResolveInfo) -> str:
    return _context(info).links.url_for("documents", document.id)


def resolve_template_link(template: Template, info: GraphQLResolveInfo) -> str:
    return _context(info).links.url_for("templates", template.id)


def resolve_document_group(document: Document, info: GraphQLResolveInfo) -> Group | None:
    return _context(info).store.group(document.group_id)


def resolve_document_template(document: Document, info: GraphQLResolveInfo) -> Template | None:
    if document.source_template_id is None:
        return None
    return _context(info).store.template(document.source_template_id)


def resolve_source_template_name(document: Document, info: GraphQLResolveInfo) -> str | None:
    template = resolve_document_template(document, info)
    return template.title if template else None


def resolve_recipient_document(recipient: Recipient, info: GraphQLResolveInfo) -> Document | None:
    return _context(info).store.document(recipient.document_id)


def resolve_task_status(task: Task, _info: GraphQLResolveInfo) -> str:
    if not task.finished:
        return "PROCESSING"
    return "FAILED" if task.failed else "COMPLETE"


def resolve_task_report(task: Task, _info: GraphQLResolveInfo) -> dict[str, Any] | None:
    if not task.finished:
        return None
    return {
        "status": "FAILED" if task.failed else "COMPLETED",
        "batchId": None,
        "documents": list(task.document_ids),
        "errors": list(task.errors),
    }


def resolve_task_data(task: Task, _info: GraphQLResolveInfo) -> str:
    settings = task.settings
    return json.dumps(
        {
            "groupId": settings["groupId"],
            "templateId": settings["templateId"],
            "title": settings["title"],
            "recipientCount": len(settings["recipients"]),
        }
    )


RESOLVERS: dict[str, dict[str, Any]] = {
    "Query": {
        "user": resolve_user,
        "group": resolve_group,
        "template": resolve_template,
        "document": resolve_document,
        "recipient": resolve_recipient,
        "task": resolve_task,
    },
    "Mutation": {
        "send": resolve_send,
        "cancelDocument": resolve_cancel_document,
        "archiveDocument": resolve_archive_document,
    },
    "User": {"memberConnection": resolve_member_connection},
    "Group": {
        "templateConnection": resolve_template_connection,
        "documentConnection": resolve_document_connection,
    },
    "Document": {
        "link": resolve_document_link,
        "group": resolve_document_group,
        "template": resolve_document_template,
        "sourceTemplateName": resolve_source_template_name,
    },
    "Template": {"link": resolve_template_link},
    "Recipient": {"document": resolve_recipient_document},
    "Task": {"status": resolve_task_status, "report": resolve_task_report, "data": resolve_task_data},
}


def attach_resolvers(schema: GraphQLSchema) -> GraphQLSchema:
    """Set the resolvers of :data:`RESOLVERS` on the schema's fields and return the schema."""
    for type_name, fields in RESOLVERS.items():
        object_type = schema.type_map[type_name]
        assert isinstance(object_type, GraphQLObjectType)
        for field_name, resolver in fields.items():
            object_type.fields[field_name].resolve = resolver
    return schema
