import { LOCAL_CREDENTIALS } from './dynalite';

export const TEST_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:TapStack-JobWorkflow';
export const TEST_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:TapStack-JobEvents';

/**
 * Points the handlers' SDK clients at local endpoints the way a user would:
 * with the SDK's own environment settings, no change to handler code. Must
 * run before a handler module is first imported (they read it at cold start).
 */
export function configureLambdaEnvironment(options: { tableName: string; dynamoEndpoint: string; awsEndpoint: string }): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    AWS_ENDPOINT_URL_SFN: options.awsEndpoint,
    AWS_ENDPOINT_URL_SNS: options.awsEndpoint,
    TABLE_NAME: options.tableName,
    STATE_MACHINE_ARN: TEST_STATE_MACHINE_ARN,
    TOPIC_ARN: TEST_TOPIC_ARN,
  });
}
