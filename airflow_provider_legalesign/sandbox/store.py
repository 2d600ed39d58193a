"""
In-memory Legalesign data: users, groups, templates, documents, recipients and send tasks.

Time-driven changes (a send task finishing after ``task_delay`` seconds, a document signing
itself ``auto_sign_after`` seconds after it was sent) are queued as events and applied lazily
by :meth:`Store.advance`, which every public method calls first. So the sandbox needs no
background threads, and a change shows up on the first request after it is due.

Field names of the dataclasses are the snake_case forms of the GraphQL field names, because
the GraphQL layer resolves plain fields by converting ``camelCase`` to ``snake_case``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_legalesign.sandbox import ids
from airflow_provider_legalesign.sandbox.awstime import format_aws_datetime, to_millis

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

# Document statuses. Legalesign documents "inprogress", "completed" and "rejected" as examples of
# GraphQL Document.status values. NOTE: "cancelled" (after cancelDocument) is the sandbox's choice,
# because Legalesign does not publish the value it uses.
DOCUMENT_IN_PROGRESS = "inprogress"
DOCUMENT_COMPLETED = "completed"
DOCUMENT_REJECTED = "rejected"
DOCUMENT_CANCELLED = "cancelled"

# Recipient statuses. NOTE: Legalesign does not publish GraphQL Recipient.status values, so these
# words follow the names of its REST signer status codes (sent, signed, rejected).
RECIPIENT_SENT = "sent"
RECIPIENT_SIGNED = "signed"
RECIPIENT_REJECTED = "rejected"

# Send tasks for these addresses fail as if the recipient were on Legalesign's stop list. This
# gives tests a way to reach a task report with status FAILED.
STOP_LIST_EMAILS = frozenset({"stopped@example.com"})


class StoreError(Exception):
    """A request on the store that cannot be carried out."""


class NotFoundError(StoreError):
    """No object has the requested id."""


class StateError(StoreError):
    """The object exists but its status does not allow the change."""


@dataclass
class User:
    """A Legalesign user, matched to a Cognito user by username."""

    id: str
    username: str
    email: str
    first_name: str
    last_name: str
    created: float
    group_ids: list[str] = field(default_factory=list)
    time_zone: str = "Europe/London"

    @property
    def name(self) -> str:
        """The full name, first name first."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Group:
    """A Legalesign group (team) that owns templates and documents."""

    id: str
    name: str
    owner: str
    created: float
    public_name: str | None = None
    credit: int = 1000
    api_integration: bool = True


@dataclass
class Role:
    """A signer role on a template."""

    id: str
    name: str
    signer_index: int
    role_type: str = "SIGNER"

    @property
    def title(self) -> str:
        """The role's display name, the same as ``name``."""
        return self.name


@dataclass
class Template:
    """A template that documents are sent from."""

    id: str
    group_id: str
    title: str
    roles: list[Role]
    created: float
    modified: float
    created_by: str
    page_count: int = 1
    valid: bool = True
    archived: bool = False
    locked: bool = False
    auto_archive: bool = False
    last_sent: float | None = None

    @property
    def file_name(self) -> str:
        """The name of the template's source file."""
        return f"{self.title}.pdf"


@dataclass
class Recipient:
    """One signer of one document."""

    id: str
    document_id: str
    email: str
    first_name: str | None
    last_name: str | None
    recipient_order: int
    role_id: str | None
    role_type: str
    status: str
    sent_date_time: float | None
    signer_index: int | None = None
    phone_number: str | None = None
    expiry_date: str | None = None
    time_zone: str | None = None
    role: str | None = None
    signed_date_time: float | None = None


@dataclass
class Document:
    """A document sent for signature."""

    id: str
    seq: int
    group_id: str
    source_template_id: str | None
    name: str
    status: str
    created: float
    modified: float
    task_id: str | None
    sender_name: str
    sender_email: str
    recipients: list[Recipient]
    tags: list[str] = field(default_factory=list)
    archived: bool = False
    send_method: str = "SINGLE"


@dataclass
class Task:
    """An asynchronous send task, created by the ``send`` mutation."""

    id: str
    user_id: str
    group_id: str
    template_id: str
    created: float
    due: float
    settings: dict[str, Any]
    finished: bool = False
    failed: bool = False
    document_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Store:
    """
    The sandbox's data and the rules that change it.

    All methods are thread-safe: the HTTP servers call them from one thread per request.

    :param task_delay: seconds from ``send`` until its task finishes and the document exists.
    :param auto_sign_after: if set, seconds from ``send`` until the new document is signed by
        every recipient without any control request.
    :param clock: returns the current time in epoch seconds. Tests may pass a fake clock.
    """

    def __init__(
        self,
        *,
        task_delay: float = 1.0,
        auto_sign_after: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.task_delay = task_delay
        self.auto_sign_after = auto_sign_after
        self.clock = clock
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._users_by_username: dict[str, User] = {}
        self._groups: dict[str, Group] = {}
        self._templates: dict[str, Template] = {}
        self._documents: dict[str, Document] = {}
        self._documents_by_group: dict[str, list[Document]] = {}
        self._recipients: dict[str, Recipient] = {}
        self._tasks: dict[str, Task] = {}
        self._sequence = itertools.count(1)
        # Heap of (due time, tie breaker, event kind, object id).
        self._events: list[tuple[float, int, str, str]] = []
        self._event_counter = itertools.count()

    # Seeding and lookups.

    def add_user(self, username: str, first_name: str, last_name: str, email: str | None = None) -> User:
        """Add a user whose Cognito username is ``username`` (matched case-insensitively)."""
        with self._lock:
            user = User(
                id=ids.new_id(ids.USER),
                username=username,
                email=email or username,
                first_name=first_name,
                last_name=last_name,
                created=self.clock(),
            )
            self._users[user.id] = user
            self._users_by_username[username.lower()] = user
            return user

    def add_group(self, name: str, owner: User | None, *, raw_id: str | None = None) -> Group:
        """
        Add a group, making ``owner`` (if given) its first member.

        :param raw_id: the group's own id inside its opaque id; a random UUID when not given.
        """
        with self._lock:
            group_id = ids.encode_id(ids.GROUP, raw_id) if raw_id else ids.new_id(ids.GROUP)
            group = Group(id=group_id, name=name, owner=owner.id if owner else "", created=self.clock())
            self._groups[group.id] = group
            self._documents_by_group[group.id] = []
            if owner is not None:
                owner.group_ids.append(group.id)
            return group

    def add_member(self, group_id: str, user: User) -> None:
        """Make ``user`` a member of the group ``group_id``."""
        with self._lock:
            if group_id not in user.group_ids:
                user.group_ids.append(group_id)

    def add_template(
        self,
        group: Group,
        title: str,
        role_names: list[str],
        created_by: User,
        *,
        raw_id: str | None = None,
    ) -> Template:
        """
        Add a valid template with one signer role per name, in signing order.

        :param raw_id: the template's own id; its roles get ``<raw_id>-<role number>``. Random UUIDs
            when not given.
        """
        with self._lock:
            now = self.clock()
            roles = [
                Role(
                    id=ids.encode_id(ids.ROLE, f"{raw_id}-{index}") if raw_id else ids.new_id(ids.ROLE),
                    name=name,
                    signer_index=index,
                )
                for index, name in enumerate(role_names, start=1)
            ]
            template = Template(
                id=ids.encode_id(ids.TEMPLATE, raw_id) if raw_id else ids.new_id(ids.TEMPLATE),
                group_id=group.id,
                title=title,
                roles=roles,
                created=now,
                modified=now,
                created_by=created_by.id,
            )
            self._templates[template.id] = template
            return template

    def add_document(
        self,
        *,
        group: Group,
        template: Template | None,
        sender: User,
        name: str,
        recipients: list[dict[str, Any]],
        created: float,
        status: str = DOCUMENT_IN_PROGRESS,
        tags: list[str] | None = None,
        task_id: str | None = None,
    ) -> Document:
        """
        Add a document directly, without a send task.

        :param recipients: dicts with the ``send`` input's recipient keys (``email``,
            ``firstName``, ``lastName``, ``order``, optionally ``roleId`` and ``phoneNumber``).
        :param created: creation time in epoch seconds. Documents must be added in creation order.
        :param status: the document status. A completed document gets signed recipients.
        """
        with self._lock:
            document_id = ids.new_id(ids.DOCUMENT)
            role_types = {role.id: role.role_type for role in template.roles} if template else {}
            document_recipients = [
                self._make_recipient(document_id, spec, role_types, created) for spec in recipients
            ]
            document = Document(
                id=document_id,
                seq=next(self._sequence),
                group_id=group.id,
                source_template_id=template.id if template else None,
                name=name,
                status=DOCUMENT_IN_PROGRESS,
                created=created,
                modified=created,
                task_id=task_id,
                sender_name=sender.name,
                sender_email=sender.email,
                recipients=document_recipients,
                tags=list(tags or []),
            )
            self._documents[document.id] = document
            self._documents_by_group[group.id].append(document)
            for recipient in document_recipients:
                self._recipients[recipient.id] = recipient
            if status == DOCUMENT_COMPLETED:
                self._sign(document, created)
            elif status == DOCUMENT_REJECTED:
                self._reject(document, created)
            elif status != DOCUMENT_IN_PROGRESS:
                document.status = status
            return document

    def seed_documents(self, group: Group, template: Template, sender: User, count: int) -> None:
        """
        Add ``count`` documents to ``group``, created one second apart and ending now.

        Statuses cycle through completed, in progress and rejected, and every tenth document is
        tagged ``seed-batch-<n>`` so that filters have something to find.
        """
        statuses = (DOCUMENT_COMPLETED, DOCUMENT_IN_PROGRESS, DOCUMENT_REJECTED)
        role_id = template.roles[0].id if template.roles else None
        with self._lock:
            start = self.clock() - count
            for index in range(count):
                recipient = {
                    "email": f"signer{index + 1}@example.com",
                    "firstName": "Seeded",
                    "lastName": f"Signer {index + 1}",
                    "order": 1 if role_id else 0,
                    "roleId": role_id,
                }
                self.add_document(
                    group=group,
                    template=template,
                    sender=sender,
                    name=f"Seeded document {index + 1}",
                    recipients=[recipient],
                    created=start + index,
                    status=statuses[index % len(statuses)],
                    tags=[f"seed-batch-{index // 10 + 1}"] if index % 10 == 0 else [],
                )

    def user_by_username(self, username: str) -> User | None:
        """Return the user with this Cognito username, or None."""
        with self._lock:
            return self._users_by_username.get(username.lower())

    def user(self, user_id: str) -> User | None:
        """Return the user with this id, or None."""
        with self._lock:
            return self._users.get(user_id)

    def group(self, group_id: str) -> Group | None:
        """Return the group with this id, or None."""
        with self._lock:
            return self._groups.get(group_id)

    def template(self, template_id: str) -> Template | None:
        """Return the template with this id, or None."""
        with self._lock:
            return self._templates.get(template_id)

    def templates_in_group(self, group_id: str, archived: bool | None) -> list[Template]:
        """Return the group's templates in creation order, filtered on ``archived`` unless it is None."""
        with self._lock:
            return [
                template
                for template in self._templates.values()
                if template.group_id == group_id and (archived is None or template.archived == archived)
            ]

    def document(self, document_id: str) -> Document | None:
        """Return the document with this id, or None."""
        with self._lock:
            self.advance()
            return self._documents.get(document_id)

    def recipient(self, recipient_id: str) -> Recipient | None:
        """Return the recipient with this id, or None."""
        with self._lock:
            self.advance()
            return self._recipients.get(recipient_id)

    def task(self, task_id: str) -> Task | None:
        """Return the send task with this id, or None."""
        with self._lock:
            self.advance()
            return self._tasks.get(task_id)

    def list_documents(
        self,
        group_id: str,
        *,
        archived: bool | None = False,
        created_from: float | None = None,
        created_to: float | None = None,
        email: str | None = None,
    ) -> list[Document]:
        """
        Return the group's documents in creation order, filtered.

        :param archived: keep only archived (True) or unarchived (False) documents, or both (None).
        :param created_from: keep documents created at or after this epoch time.
        :param created_to: keep documents created at or before this epoch time.
        :param email: keep documents with a recipient at this address (case-insensitive).
        """
        email_filter = email.lower() if email else None
        # Clients pass back times they read from the API, which have millisecond resolution, so
        # the range is compared in whole milliseconds to keep both ends inclusive.
        from_millis = to_millis(created_from) if created_from is not None else None
        until_millis = to_millis(created_to) if created_to is not None else None
        with self._lock:
            self.advance()
            selected = []
            for document in self._documents_by_group.get(group_id, []):
                if archived is not None and document.archived != archived:
                    continue
                created = to_millis(document.created)
                if from_millis is not None and created < from_millis:
                    continue
                if until_millis is not None and created > until_millis:
                    continue
                if email_filter and all(r.email.lower() != email_filter for r in document.recipients):
                    continue
                selected.append(document)
            return selected

    # Document lifecycle.

    def create_task(self, user: User, settings: dict[str, Any]) -> Task:
        """
        Queue a send task for validated ``send`` input. Its document appears after ``task_delay``.

        :param settings: the ``send`` input, already checked by the send validation.
        """
        with self._lock:
            now = self.clock()
            task = Task(
                id=ids.new_id(ids.TASK),
                user_id=user.id,
                group_id=settings["groupId"],
                template_id=settings["templateId"],
                created=now,
                due=now + self.task_delay,
                settings=settings,
            )
            self._tasks[task.id] = task
            self._push_event(task.due, "finish_task", task.id)
            log.info(
                "Queued send task %s for group %s, due in %.1f s", task.id, task.group_id, self.task_delay
            )
            return task

    def sign_document(self, document_id: str) -> Document:
        """
        Mark an in-progress document as signed by every recipient.

        :raises NotFoundError: if no document has this id.
        :raises StateError: if the document is not in progress.
        """
        with self._lock:
            document = self._require_in_progress(document_id, "signed")
            self._sign(document, self.clock())
            log.info("Document %s signed", document_id)
            return document

    def reject_document(self, document_id: str) -> Document:
        """
        Mark an in-progress document as rejected by its first recipient who has not signed.

        :raises NotFoundError: if no document has this id.
        :raises StateError: if the document is not in progress.
        """
        with self._lock:
            document = self._require_in_progress(document_id, "rejected")
            self._reject(document, self.clock())
            log.info("Document %s rejected", document_id)
            return document

    def cancel_document(self, document_id: str) -> Document:
        """
        Cancel an in-progress document so that it can no longer be signed.

        :raises NotFoundError: if no document has this id.
        :raises StateError: if the document is not in progress.
        """
        with self._lock:
            document = self._require_in_progress(document_id, "cancelled")
            document.status = DOCUMENT_CANCELLED
            document.modified = self.clock()
            log.info("Document %s cancelled", document_id)
            return document

    def archive_document(self, document_id: str) -> Document:
        """
        Archive a document, which is then listed only with ``archived: true``.

        :raises NotFoundError: if no document has this id.
        """
        with self._lock:
            self.advance()
            document = self._documents.get(document_id)
            if document is None:
                raise NotFoundError(f"Document {document_id} not found")
            document.archived = True
            document.modified = self.clock()
            log.info("Document %s archived", document_id)
            return document

    def documents_snapshot(self, tag: str | None = None) -> list[dict[str, Any]]:
        """
        Return every document (or those tagged ``tag``) as plain dicts, in creation order.

        Keys use the GraphQL field names, and times are ``AWSDateTime`` strings.
        """
        with self._lock:
            self.advance()
            return [
                _document_as_dict(document)
                for document in self._documents.values()
                if tag is None or tag in document.tags
            ]

    def advance(self) -> None:
        """Apply every queued event that is due by now."""
        with self._lock:
            now = self.clock()
            while self._events and self._events[0][0] <= now:
                due, _, kind, object_id = heapq.heappop(self._events)
                if kind == "finish_task":
                    self._finish_task(self._tasks[object_id], due)
                elif kind == "auto_sign":
                    document = self._documents[object_id]
                    if document.status == DOCUMENT_IN_PROGRESS:
                        self._sign(document, due)
                        log.info("Document %s signed automatically", object_id)

    # Internal steps. Callers must hold the lock.

    def _push_event(self, due: float, kind: str, object_id: str) -> None:
        heapq.heappush(self._events, (due, next(self._event_counter), kind, object_id))

    def _finish_task(self, task: Task, now: float) -> None:
        settings = task.settings
        stopped = [r["email"] for r in settings["recipients"] if r["email"].lower() in STOP_LIST_EMAILS]
        task.finished = True
        if stopped:
            task.failed = True
            task.errors = [
                f"Recipient {email} is on the stop list, so the document was not sent" for email in stopped
            ]
            log.info("Send task %s failed: %d recipient(s) on the stop list", task.id, len(stopped))
            return

        group = self._groups[task.group_id]
        template = self._templates[task.template_id]
        sender = self._users[task.user_id]
        tag = settings.get("tag")
        document = self.add_document(
            group=group,
            template=template,
            sender=sender,
            name=settings["title"],
            recipients=settings["recipients"],
            created=now,
            tags=[tag] if tag else [],
            task_id=task.id,
        )
        template.last_sent = now
        task.document_ids = [document.id]
        log.info("Send task %s finished: document %s created", task.id, document.id)
        if self.auto_sign_after is not None:
            self._push_event(max(now, task.created + self.auto_sign_after), "auto_sign", document.id)

    def _make_recipient(
        self, document_id: str, spec: dict[str, Any], role_types: dict[str, str], sent: float
    ) -> Recipient:
        role_id = spec.get("roleId")
        return Recipient(
            id=ids.new_id(ids.RECIPIENT),
            document_id=document_id,
            email=spec.get("email") or "",
            first_name=spec.get("firstName"),
            last_name=spec.get("lastName"),
            recipient_order=int(spec.get("order") or 0),
            role_id=role_id,
            role_type=role_types.get(role_id or "", "SIGNER"),
            status=RECIPIENT_SENT,
            sent_date_time=sent,
            signer_index=spec.get("signerIndex"),
            phone_number=spec.get("phoneNumber"),
            expiry_date=spec.get("expiryDate"),
            time_zone=spec.get("timeZone"),
            role=spec.get("role"),
        )

    def _require_in_progress(self, document_id: str, action: str) -> Document:
        self.advance()
        document = self._documents.get(document_id)
        if document is None:
            raise NotFoundError(f"Document {document_id} not found")
        if document.status != DOCUMENT_IN_PROGRESS:
            raise StateError(
                f"Document {document_id} is {document.status}, but only a document in progress can be {action}"
            )
        return document

    def _sign(self, document: Document, now: float) -> None:
        document.status = DOCUMENT_COMPLETED
        document.modified = now
        for recipient in document.recipients:
            if recipient.status != RECIPIENT_SIGNED:
                recipient.status = RECIPIENT_SIGNED
                recipient.signed_date_time = now

    def _reject(self, document: Document, now: float) -> None:
        document.status = DOCUMENT_REJECTED
        document.modified = now
        unsigned = [r for r in document.recipients if r.status != RECIPIENT_SIGNED]
        if unsigned:
            min(unsigned, key=lambda r: r.recipient_order).status = RECIPIENT_REJECTED


def _optional_time(epoch_seconds: float | None) -> str | None:
    return format_aws_datetime(epoch_seconds) if epoch_seconds is not None else None


def _document_as_dict(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "name": document.name,
        "status": document.status,
        "tags": list(document.tags),
        "groupId": document.group_id,
        "sourceTemplateId": document.source_template_id,
        "taskId": document.task_id,
        "archived": document.archived,
        "created": format_aws_datetime(document.created),
        "modified": format_aws_datetime(document.modified),
        "recipients": [
            {
                "id": recipient.id,
                "email": recipient.email,
                "firstName": recipient.first_name,
                "lastName": recipient.last_name,
                "recipientOrder": recipient.recipient_order,
                "roleId": recipient.role_id,
                "status": recipient.status,
                "signedDateTime": _optional_time(recipient.signed_date_time),
            }
            for recipient in document.recipients
        ],
    }
