"""
The sandbox's GraphQL schema, a subset modelled on Legalesign's public GraphQL reference.

Argument names and types follow Legalesign's published schema excerpts, for example cursors
are ``ID`` and ``documentConnection`` takes ``from``/``to`` as ``AWSDateTime``. All fields of
``DocumentSendSettingsInput`` are nullable here, so that the ``send`` resolver (not GraphQL
coercion) reports missing values with Legalesign's validation rules.
NOTE: Legalesign does not publish the input types of ``cancelDocument`` and ``archiveDocument``,
so the sandbox takes ``{documentId}`` for both and returns the document id.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLScalarType, GraphQLSchema, build_schema
from graphql.language import ast

from airflow_provider_legalesign.sandbox.awstime import format_aws_datetime, parse_aws_datetime

SDL = '''
"""An ISO 8601 date-time with a time zone offset, e.g. 2025-01-31T09:30:00.000Z."""
scalar AWSDateTime

"""A JSON value, sent and returned as a JSON string."""
scalar AWSJSON

type Query {
  "The user with this id, or the signed-in user when no id is given."
  user(id: ID, userId: ID): User
  group(id: ID, groupId: ID): Group
  template(id: ID!): Template
  document(id: ID!): Document
  recipient(id: ID!): Recipient
  task(id: ID!): Task
}

type Mutation {
  "Queue a document for sending and return the id of the send task."
  send(input: DocumentSendSettingsInput!): ID
  cancelDocument(input: documentCancelInput!): ID
  archiveDocument(input: documentArchiveInput!): ID
}

type PageInfo {
  startCursor: ID
  endCursor: ID
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
}

type User {
  id: ID!
  name: String
  firstName: String
  lastName: String
  email: String
  timeZone: String
  companySize: String
  companyRole: String
  companyType: String
  settings: AWSJSON
  lastDocumentSentAt: AWSDateTime
  lastValidTemplateMadeAt: AWSDateTime
  uploadedTemplatesCount: Int
  memberConnection(first: Int, after: ID): UserMemberConnection
}

type UserMemberConnection {
  groupMembers: [GroupMember]
  totalCount: Int
  pageInfo: PageInfo!
}

type GroupMember {
  id: ID!
  permission: String
  group: Group
  user: User
}

type Group {
  id: ID!
  name: String
  publicName: String
  owner: ID
  credit: Int
  apiIntegration: Boolean
  pdfRetention: Int
  retention: Int
  groupCCEmail: String
  licensesRemaining: Int
  templateConnection(first: Int, after: ID, last: Int, before: ID, archived: Boolean = false): TemplateConnection
  documentConnection(
    first: Int
    after: ID
    last: Int
    before: ID
    from: AWSDateTime
    to: AWSDateTime
    email: String
    archived: Boolean = false
  ): DocumentConnection
}

type TemplateConnection {
  templates: [Template]
  totalCount: Int
  pageInfo: PageInfo!
}

type DocumentConnection {
  documents: [Document]
  totalCount: Int
  pageInfo: PageInfo!
}

type Template {
  id: ID!
  title: String
  pageCount: Int
  fileName: String
  "A short-lease download URL for the template PDF."
  link: String
  autoArchive: Boolean
  valid: Boolean
  locked: Boolean
  tags: [String]
  groupId: ID
  archived: Boolean
  createdBy: ID
  lastSent: AWSDateTime
  created: AWSDateTime
  modified: AWSDateTime
  roles: [TemplateRole]
}

type TemplateRole {
  id: ID!
  name: String
  title: String
  signerIndex: Int
  roleType: String
}

type Document {
  id: ID!
  name: String
  "A short-lease download URL for the document PDF. Fetch it without an Authorization header."
  link: String
  status: String
  tags: [String]
  created: AWSDateTime
  modified: AWSDateTime
  senderName: String
  senderEmail: String
  taskId: ID
  sendMethod: String
  archived: Boolean
  sourceTemplateId: ID
  sourceTemplateName: String
  group: Group
  template: Template
  recipients: [Recipient]
}

type Recipient {
  id: ID!
  firstName: String
  lastName: String
  email: String
  phoneNumber: String
  role: String
  roleId: ID
  roleType: String
  status: String
  timeZone: String
  expiryDate: String
  signerIndex: Int
  recipientOrder: Int
  sentDateTime: AWSDateTime
  signedDateTime: AWSDateTime
  emailProblem: String
  document: Document
}

type Task {
  id: ID!
  "Older shape: PROCESSING while running, then COMPLETE or FAILED."
  status: String
  data: AWSJSON
  "Newer shape: null while the task runs."
  report: TaskReport
}

type TaskReport {
  "COMPLETED or FAILED."
  status: String
  batchId: ID
  documents: [ID]
  errors: [String]
}

input DocumentSendSettingsInput {
  groupId: ID
  templateId: ID
  title: String
  recipients: [RecipientInput]
  sequentialSigning: Boolean
  allowCopying: Boolean
  allowPrinting: Boolean
  tag: String
  pdfPassword: String
  retainPdfPassword: Boolean
  suppressEmails: Boolean
  documentCCEmail: [String]
  senderFields: [FieldValueInput]
  participantFields: [FieldValueInput]
  redirect: String
}

input RecipientInput {
  id: ID
  roleId: ID
  role: String
  firstName: String
  lastName: String
  email: String
  phoneNumber: String
  order: Int
  signerIndex: Int
  experience: ID
  scheduleId: ID
  message: String
  attachments: [ID]
  expiryDate: String
  timeZone: String
  skipped: Boolean
}

input FieldValueInput {
  id: ID
  value: String
}

input documentCancelInput {
  documentId: ID!
}

input documentArchiveInput {
  documentId: ID!
}
'''


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, int | float):
        return format_aws_datetime(value)
    return str(value)


def _parse_datetime_literal(node: ast.ValueNode, _variables: Any = None) -> float:
    if not isinstance(node, ast.StringValueNode):
        raise TypeError("AWSDateTime must be a string such as 2025-01-31T09:30:00Z")
    return parse_aws_datetime(node.value)


def _parse_datetime_value(value: Any) -> float:
    if not isinstance(value, str):
        raise TypeError("AWSDateTime must be a string such as 2025-01-31T09:30:00Z")
    return parse_aws_datetime(value)


def _serialize_json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _parse_json_value(value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError("AWSJSON must be a string that contains JSON")
    return json.loads(value)


def _parse_json_literal(node: ast.ValueNode, _variables: Any = None) -> Any:
    if not isinstance(node, ast.StringValueNode):
        raise TypeError("AWSJSON must be a string that contains JSON")
    return json.loads(node.value)


def _set_coercion(scalar: GraphQLScalarType, output: Any, input_value: Any, input_literal: Any) -> None:
    # graphql-core 3.2 calls serialize/parse_value/parse_literal, and 3.3 calls the coerce_*
    # methods (keeping the old names as deprecated aliases), so both sets are replaced.
    setattr(scalar, "serialize", output)  # noqa: B010
    setattr(scalar, "parse_value", input_value)  # noqa: B010
    setattr(scalar, "parse_literal", input_literal)  # noqa: B010
    if hasattr(scalar, "coerce_output_value"):
        setattr(scalar, "coerce_output_value", output)  # noqa: B010
        setattr(scalar, "coerce_input_value", input_value)  # noqa: B010
        setattr(scalar, "coerce_input_literal", input_literal)  # noqa: B010


def build_sandbox_schema() -> GraphQLSchema:
    """Build the executable schema: the SDL plus the AppSync scalars' conversions."""
    schema = build_schema(SDL)
    datetime_type = schema.type_map["AWSDateTime"]
    json_type = schema.type_map["AWSJSON"]
    assert isinstance(datetime_type, GraphQLScalarType)
    assert isinstance(json_type, GraphQLScalarType)
    # Parsed AWSDateTime inputs become epoch seconds, the unit the store uses.
    _set_coercion(datetime_type, _serialize_datetime, _parse_datetime_value, _parse_datetime_literal)
    _set_coercion(json_type, _serialize_json, _parse_json_value, _parse_json_literal)
    return schema
