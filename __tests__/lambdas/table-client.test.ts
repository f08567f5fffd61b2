import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConsistentTable } from '../../constructs/consistent-table';
import { defineKeySchema, pageKeyNamesOf } from '../../constructs/key-schema';
import { MARSHALLING, TableClient } from '../../constructs/table-client';
import { createTableInput } from '../../local/table';
import { LocalDynamo, startDynalite } from '../helpers/dynalite';
import { newStack, onlyResource, synth } from '../helpers/stacks';

/**
 * The table client against dynalite, on a table created from what
 * ConsistentTable synthesizes for a schema with every index kind: a GSI with
 * ALL, one with INCLUDE, one KEYS_ONLY, and a local index.
 */
const ordersSchema = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: {
    by_customer: { partitionKey: { name: 'customer_pk', type: 'S' }, sortKey: { name: 'placed_at', type: 'S' } },
    by_state: { partitionKey: { name: 'state_pk', type: 'S' }, projection: { include: ['state'] } },
    by_region: { partitionKey: { name: 'region_pk', type: 'S' }, projection: 'KEYS_ONLY' },
  },
  localIndexes: { by_total: { sortKey: { name: 'total_sk', type: 'N' } } },
});

interface Order {
  readonly orderId: string;
  readonly state: 'OPEN' | 'PAID';
  readonly note?: string;
}

let dynamo: LocalDynamo;
let documents: DynamoDBDocumentClient;
let orders: TableClient<typeof ordersSchema, Order>;
let tableCounter = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  documents = DynamoDBDocumentClient.from(dynamo.client, MARSHALLING);
}, 60_000);

afterAll(async () => {
  await dynamo.close();
});

beforeEach(async () => {
  const { stack } = newStack();
  new ConsistentTable(stack, 'Orders', { schema: ordersSchema });
  const tableName = `orders-${++tableCounter}`;
  await dynamo.client.send(new CreateTableCommand(createTableInput(onlyResource(synth(stack).json, 'aws_dynamodb_table'), tableName)));
  orders = new TableClient(ordersSchema, tableName, documents);
});

const order = (id: string, total: number, state: Order['state'] = 'OPEN') => ({
  pk: `ORDER#${id}`,
  sk: 'ORDER',
  customer_pk: 'CUSTOMER#1',
  placed_at: `2026-01-0${id}`,
  state_pk: `STATE#${state}`,
  region_pk: 'REGION#eu',
  total_sk: total,
  orderId: id,
  state,
  note: `note ${id}`,
});

describe('the local table helper', () => {
  it('creates the local and global indexes with the projections ConsistentTable synthesized', async () => {
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: orders.tableName }));
    expect(Table?.LocalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.map((k) => k.AttributeName), i.Projection])).toEqual([
      ['by_total', ['pk', 'total_sk'], { ProjectionType: 'ALL' }],
    ]);
    expect(
      Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName ?? '', i.Projection] as const).sort(([a], [b]) => a.localeCompare(b)),
    ).toEqual([
      ['by_customer', { ProjectionType: 'ALL' }],
      ['by_region', { ProjectionType: 'KEYS_ONLY' }],
      ['by_state', { ProjectionType: 'INCLUDE', NonKeyAttributes: ['state'] }],
    ]);
  });
});

describe('TableClient', () => {
  it('puts and gets an item by its exact key', async () => {
    expect(await orders.put(order('1', 10))).toBe(true);
    expect(await orders.get({ pk: 'ORDER#1', sk: 'ORDER' }, { consistent: true })).toEqual(order('1', 10));
    expect(await orders.get({ pk: 'ORDER#2', sk: 'ORDER' })).toBeUndefined();
  });

  it('answers false for a conditional put that finds the item, and keeps the first', async () => {
    expect(await orders.put(order('1', 10), { condition: { itemExists: false } })).toBe(true);
    expect(await orders.put({ ...order('1', 10), note: 'second' }, { condition: { itemExists: false } })).toBe(false);
    expect((await orders.get({ pk: 'ORDER#1', sk: 'ORDER' }))?.note).toBe('note 1');
  });

  it('updates on a condition over attributes, and answers updated: false when it does not hold', async () => {
    await orders.put(order('1', 10));
    const paid = await orders.update(
      { pk: 'ORDER#1', sk: 'ORDER' },
      { set: { state: 'PAID', state_pk: 'STATE#PAID', note: undefined }, condition: { itemExists: true, where: { state: { in: ['OPEN'] } } } },
    );
    expect(paid).toEqual({ updated: true, item: { ...order('1', 10, 'PAID'), note: 'note 1' } });
    const again = await orders.update({ pk: 'ORDER#1', sk: 'ORDER' }, { set: { state: 'PAID' }, condition: { where: { state: { equals: 'OPEN' } } } });
    expect(again).toEqual({ updated: false });
    const missing = await orders.update({ pk: 'ORDER#9', sk: 'ORDER' }, { set: { state: 'PAID' }, condition: { itemExists: true } });
    expect(missing).toEqual({ updated: false });
  });

  it('refuses an update of a table key attribute and a key missing an attribute (for callers outside TypeScript)', async () => {
    const untyped = orders as unknown as TableClient<typeof ordersSchema, Record<string, unknown>>;
    await expect(untyped.update({ pk: 'ORDER#1', sk: 'ORDER' }, { set: { pk: 'x' } as never })).rejects.toThrow('"pk" cannot be updated');
    await expect(untyped.get({ pk: 'ORDER#1' } as never)).rejects.toThrow('[table-client/key-present] sk');
  });

  it('marshals with the options set once in dynamo.ts: undefined left out, imprecise numbers and class instances refused', async () => {
    const loose = orders.withItems<{ readonly amount?: number; readonly at?: unknown }>();
    await loose.put({ pk: 'ORDER#1', sk: 'ORDER', amount: undefined });
    expect(await loose.get({ pk: 'ORDER#1', sk: 'ORDER' })).toEqual({ pk: 'ORDER#1', sk: 'ORDER' });
    await expect(loose.put({ pk: 'ORDER#2', sk: 'ORDER', amount: Number.MAX_SAFE_INTEGER + 2 })).rejects.toThrow('greater than Number.MAX_SAFE_INTEGER');
    await expect(loose.put({ pk: 'ORDER#3', sk: 'ORDER', at: new Date(0) })).rejects.toThrow('convertClassInstanceToMap');
    expect(await loose.get({ pk: 'ORDER#2', sk: 'ORDER' })).toBeUndefined();
  });

  it('queries a partition with a sort condition, in pages', async () => {
    await orders.put(order('1', 10));
    await orders.withItems<{ readonly line: number }>().put({ pk: 'ORDER#1', sk: 'LINE#1', line: 1 });
    await orders.withItems<{ readonly line: number }>().put({ pk: 'ORDER#1', sk: 'LINE#2', line: 2 });
    const lines = orders.withItems<{ readonly line: number }>();
    const first = await lines.query({ pk: 'ORDER#1' }, { sort: { beginsWith: 'LINE#' }, limit: 1, consistent: true });
    expect(first.items.map((i) => i.line)).toEqual([1]);
    expect(Object.keys(first.lastKey ?? {}).sort()).toEqual(pageKeyNamesOf(ordersSchema));
    const second = await lines.query({ pk: 'ORDER#1' }, { sort: { beginsWith: 'LINE#' }, startKey: first.lastKey });
    expect(second.items.map((i) => i.line)).toEqual([2]);
    const descending = await lines.query({ pk: 'ORDER#1' }, { sort: { between: ['LINE#1', 'LINE#9'] }, descending: true });
    expect(descending.items.map((i) => i.line)).toEqual([2, 1]);
  });

  it('queries a global index with ALL: whole items, page keys of the table and the index', async () => {
    await orders.put(order('1', 10));
    await orders.put(order('2', 20));
    const page = await orders.queryIndex('by_customer', { customer_pk: 'CUSTOMER#1' }, { descending: true, limit: 1 });
    expect(page.items).toEqual([order('2', 20)]);
    expect(Object.keys(page.lastKey ?? {}).sort()).toEqual(pageKeyNamesOf(ordersSchema, 'by_customer'));
  });

  it('queries an INCLUDE index: keys and the included attributes only', async () => {
    await orders.put(order('1', 10, 'PAID'));
    const { items } = await orders.queryIndex('by_state', { state_pk: 'STATE#PAID' });
    expect(items).toEqual([{ pk: 'ORDER#1', sk: 'ORDER', state_pk: 'STATE#PAID', state: 'PAID' }]);
    expect(items[0].state).toBe('PAID');
  });

  it('queries a KEYS_ONLY index: keys only', async () => {
    await orders.put(order('1', 10));
    const { items } = await orders.queryIndex('by_region', { region_pk: 'REGION#eu' });
    expect(items).toEqual([{ pk: 'ORDER#1', sk: 'ORDER', region_pk: 'REGION#eu' }]);
  });

  it('queries a local index by its own sort key, consistently', async () => {
    await orders.put(order('1', 10));
    await orders.put({ ...order('1', 10), sk: 'ORDER#copy', total_sk: 30 });
    const { items } = await orders.queryIndex('by_total', { pk: 'ORDER#1' }, { sort: { greaterThan: 15 }, consistent: true });
    expect(items.map((i) => i.total_sk)).toEqual([30]);
  });
});
