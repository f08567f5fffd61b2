import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One client per container, created at cold start. Endpoint and region come
 * from the SDK's own settings (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB), so a
 * local run can point it at dynalite without code changes.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
