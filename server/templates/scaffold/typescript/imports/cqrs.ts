import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
{%- if self.cqrs_views() %}
  QueryCommand,
{%- endif %}
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type {
{%- if self.iam_auth() %}
  APIGatewayProxyEventV2WithIAMAuthorizer,
{%- else %}
  APIGatewayProxyEventV2WithJWTAuthorizer,
{%- endif %}
  APIGatewayProxyStructuredResultV2,
  AttributeValue,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from "aws-lambda";
