"""GraphQL documents that the hook's helper methods send to Legalesign."""

from __future__ import annotations

SEND_DOCUMENT = """
mutation SendDocument($input: DocumentSendSettingsInput!) {
  send(input: $input)
}
"""

# Legalesign documents two shapes of the task query: the newer ``report { status documents ... }``
# (COMPLETED or FAILED) and the older ``status`` (COMPLETE). The hook tries the newer one first.
GET_TASK = """
query GetTask($id: ID!) {
  task(id: $id) {
    report { status documents errors }
  }
}
"""

GET_TASK_LEGACY = """
query GetTaskLegacy($id: ID!) {
  task(id: $id) {
    id
    status
  }
}
"""

GET_DOCUMENT = """
query GetDocument($id: ID!) {
  document(id: $id) {
    id
    name
    status
    tags
    created
    modified
    taskId
    recipients { id email firstName lastName status signedDateTime }
  }
}
"""

GET_DOCUMENT_LINK = """
query GetDocumentLink($id: ID!) {
  document(id: $id) {
    id
    status
    link
  }
}
"""

# ``after: "0"`` on the first page returns documents in created order; without it Legalesign pages
# in modified order, which shifts while documents change.
LIST_DOCUMENTS = """
query ListDocuments($groupId: ID!, $first: Int!, $after: ID, $from: AWSDateTime, $archived: Boolean) {
  group(id: $groupId) {
    id
    documentConnection(first: $first, after: $after, from: $from, archived: $archived) {
      documents { id name status tags created modified taskId sourceTemplateId }
      pageInfo { endCursor hasNextPage }
    }
  }
}
"""
