import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { AddressInfo } from 'net';
import { createTableInputFromSynth, synthesizedTapStack } from './synthesized-app';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** dynalite (a DynamoDB implementation on LevelDB, in memory) on a free loopback port. */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Creates the jobs table exactly as the synthesized aws_dynamodb_table declares it. */
export async function createSynthesizedTable(dynamo: LocalDynamo, tableName: string): Promise<void> {
  await dynamo.client.send(new CreateTableCommand(createTableInputFromSynth(synthesizedTapStack(), tableName)));
}
