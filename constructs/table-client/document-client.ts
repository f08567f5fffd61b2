import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TranslateConfig } from '@aws-sdk/lib-dynamodb';

/**
 * How items are converted to and from DynamoDB's wire format, in one place
 * (the table client is the only user of the document client):
 * - undefined attributes are left out instead of failing the call;
 * - a number that a JavaScript number cannot hold exactly is refused when
 *   written (no silent rounding), and numbers read back are plain numbers;
 * - class instances are refused: items are plain data.
 */
export const MARSHALLING: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true, allowImpreciseNumbers: false, convertClassInstanceToMap: false },
  unmarshallOptions: { wrapNumbers: false },
};

let shared: DynamoDBDocumentClient | undefined;

/**
 * The document client a {@link TableClient} uses unless given one: one per
 * container, made on first use (so importing the module costs nothing) and
 * reused by every later invocation. Endpoint and region come from the SDK's own
 * settings (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB), so a local run can point it
 * at dynalite without code changes.
 */
export function defaultDocumentClient(): DynamoDBDocumentClient {
  shared ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), MARSHALLING);
  return shared;
}
