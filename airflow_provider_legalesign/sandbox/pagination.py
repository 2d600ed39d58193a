"""
Relay-style cursor pagination over ordered lists.

Legalesign's connections take ``first``/``after`` and ``last``/``before`` and return
``pageInfo {startCursor endCursor hasNextPage hasPreviousPage}``. At most 1000 items fit on one
page. ``documentConnection`` lists documents by last modification, newest first. A first
request with ``after: "0"`` (or ``"START"``) lists them in creation order instead, and the
cursors it returns keep that order.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from airflow_provider_legalesign.sandbox.errors import VALIDATION_ERROR, ResolverError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from airflow_provider_legalesign.sandbox.store import Document

MAX_PAGE_SIZE = 1000
# NOTE: Legalesign does not document its page size when neither first nor last is given, so 100
# is the sandbox's choice.
DEFAULT_PAGE_SIZE = 100
CREATED_ORDER_START = ("0", "START")

Item = TypeVar("Item")


@dataclass
class Page(Generic[Item]):
    """One page of a connection: the items, the total before paging, and ``pageInfo``."""

    items: list[Item]
    total_count: int
    page_info: dict[str, Any]


def encode_cursor(text: str) -> str:
    """Wrap a cursor's contents in base64, so that clients treat it as opaque."""
    return base64.b64encode(text.encode()).decode("ascii")


def decode_cursor(cursor: str) -> str:
    """
    Unwrap a cursor made by :func:`encode_cursor`.

    :raises ResolverError: if the cursor was not made by this server.
    """
    try:
        return base64.b64decode(cursor.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError) as error:
        raise ResolverError(f"Invalid cursor {cursor!r}", VALIDATION_ERROR) from error


def check_page_size(name: str, value: int | None) -> None:
    """Reject a ``first`` or ``last`` outside 0..1000, as Legalesign caps pages at 1000 items."""
    if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
        raise ResolverError(
            f"{name} must be between 0 and {MAX_PAGE_SIZE}, got {value}. Page through larger sets"
            " with after and pageInfo.endCursor",
            VALIDATION_ERROR,
        )


def paginate(
    items: Sequence[Item],
    keys: Sequence[Any],
    *,
    first: int | None,
    last: int | None,
    after_key: Any = None,
    before_key: Any = None,
    cursor_of: Callable[[Item], str],
) -> Page[Item]:
    """
    Cut one page out of ``items``, following the Relay connection algorithm.

    :param items: every item, in the order of the connection.
    :param keys: ascending sort keys, one per item, which cursors are compared against.
    :param after_key: key of the ``after`` cursor, which the page starts after.
    :param before_key: key of the ``before`` cursor, which the page ends before.
    :param cursor_of: builds an item's cursor.
    """
    check_page_size("first", first)
    check_page_size("last", last)
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE

    start = bisect_right(keys, after_key) if after_key is not None else 0
    end = bisect_left(keys, before_key) if before_key is not None else len(items)
    end = max(start, end)
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)

    page = list(items[start:end])
    page_info = {
        "startCursor": cursor_of(page[0]) if page else None,
        "endCursor": cursor_of(page[-1]) if page else None,
        "hasNextPage": end < len(items),
        "hasPreviousPage": start > 0,
    }
    return Page(items=page, total_count=len(items), page_info=page_info)


def paginate_by_index(
    items: Sequence[Item], *, first: int | None, last: int | None, after: str | None, before: str | None
) -> Page[Item]:
    """Page a short list whose cursors are positions, e.g. a user's groups."""
    keys = range(len(items))
    positions = {id(item): index for index, item in enumerate(items)}
    return paginate(
        items,
        keys,
        first=first,
        last=last,
        after_key=_index_from_cursor(after),
        before_key=_index_from_cursor(before),
        cursor_of=lambda item: encode_cursor(f"i:{positions[id(item)]}"),
    )


def _index_from_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    kind, _, value = decode_cursor(cursor).partition(":")
    if kind != "i" or not value.isdigit():
        raise ResolverError(f"Invalid cursor {cursor!r}", VALIDATION_ERROR)
    return int(value)


def paginate_documents(
    documents: list[Document], *, first: int | None, last: int | None, after: str | None, before: str | None
) -> Page[Document]:
    """
    Page a group's documents (given in creation order) in creation or modification order.

    Cursors start with ``c:`` (creation order, by sequence number) or ``m:`` (modification order,
    by modified time, newest first), so a follow-up request keeps the order of the first one.
    """
    after_order, after_key = _document_cursor_key(after)
    before_order, before_key = _document_cursor_key(before)
    if after_order and before_order and after_order != before_order:
        raise ResolverError("after and before cursors come from different orders", VALIDATION_ERROR)
    order = after_order or before_order or "m"

    if order == "c":
        return paginate(
            documents,
            [document.seq for document in documents],
            first=first,
            last=last,
            after_key=after_key,
            before_key=before_key,
            cursor_of=lambda document: encode_cursor(f"c:{document.seq}"),
        )

    by_modified = sorted(documents, key=lambda document: (-document.modified, -document.seq))
    return paginate(
        by_modified,
        [(-document.modified, -document.seq) for document in by_modified],
        first=first,
        last=last,
        after_key=after_key,
        before_key=before_key,
        cursor_of=lambda document: encode_cursor(f"m:{document.modified!r}:{document.seq}"),
    )


def _document_cursor_key(cursor: str | None) -> tuple[str | None, Any]:
    if cursor is None:
        return None, None
    if cursor in CREATED_ORDER_START:
        return "c", 0
    kind, _, value = decode_cursor(cursor).partition(":")
    try:
        if kind == "c":
            return "c", int(value)
        if kind == "m":
            modified, _, seq = value.partition(":")
            return "m", (-float(modified), -int(seq))
    except ValueError:
        pass
    raise ResolverError(f"Invalid cursor {cursor!r}", VALIDATION_ERROR)
