import { createHash } from 'crypto';
import { RecordedCall } from '../../local/local-aws';
import { LocalStack } from '../../local/local-stack';
import { LOCAL_ACCOUNT_ID, LOCAL_API_ID, LOCAL_REGION, LocalRole } from '../../local/synthesized-stack';
import { ACTIONS_USED_BY_AWS_ON_BEHALF, LOG_DELIVERY_ACTIONS, WILDCARD_RESOURCE_ACTIONS } from '../../constructs/internal/iam';
import { actionExists, simulate } from '../helpers/iam-simulation';
import { getJob, pollUntilTerminal, startSynthesizedTapStack, submitJob } from '../helpers/local-stack';

/**
 * Proves the synthesized IAM instead of assuming it: the local run records
 * every AWS action each function's code performs (and the workflow's Lambda
 * invocations), then iam-simulate evaluates the synthesized policies, with
 * Terraform references resolved to the ARNs the local run used.
 */
jest.setTimeout(120_000);

let local: LocalStack;
let roles: LocalRole[];
let calls: RecordedCall[];

const tableArn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/TapStack-Jobs`;

beforeAll(async () => {
  local = await startSynthesizedTapStack();
  // A workload that takes every code path: submit, duplicate, read, list, succeed, fail,
  // and steps retried after their write succeeded (a timeout after the work was done).
  // Two jobs fail (the Api refuses a bad payload at the door, so the runner fails their Validate):
  // one recorded by the notification function, one by the workflow's last-resort DynamoDB write.
  const retriedAfterWrite = new Set(['Validate', 'Process', 'Notify']);
  const jobIdOf = (key: string) => createHash('sha256').update(`idempotency:${key}`).digest('hex').slice(0, 32);
  const failing = jobIdOf('iam-bad');
  const failingUnrecorded = jobIdOf('iam-last-resort');
  local.aws.faults = (state, input) => {
    const jobId = (input as { jobId?: string } | null)?.jobId;
    if ((jobId === failing || jobId === failingUnrecorded) && state === 'Validate') return 'Lambda.ResourceNotFoundException';
    if (jobId === failingUnrecorded && state === 'RecordFailure') return 'Lambda.ServiceException';
    return retriedAfterWrite.delete(state) ? { error: 'States.Timeout', afterInvoke: true } : undefined;
  };
  const ok = await submitJob(local, { type: 'echo', payload: { message: 'iam' } }, 'iam-ok');
  await submitJob(local, { type: 'echo', payload: { message: 'iam' } }, 'iam-ok');
  await submitJob(local, { type: 'sum', payload: { numbers: ['x'] } }, 'iam-refused');
  const bad = await submitJob(local, { type: 'sum', payload: { numbers: [1] } }, 'iam-bad');
  const unrecorded = await submitJob(local, { type: 'sum', payload: { numbers: [2] } }, 'iam-last-resort');
  await pollUntilTerminal(local, ok.body.jobId);
  await pollUntilTerminal(local, bad.body.jobId);
  await pollUntilTerminal(local, unrecorded.body.jobId);
  await getJob(local, ok.body.jobId);
  await local.callApi('/jobs?status=SUCCEEDED');
  await local.aws.idle();
  roles = local.stack.roles();
  calls = [...local.aws.calls];
});

afterAll(async () => {
  await local?.stop();
});

function roleOf(owner: string): LocalRole {
  const role = roles.find((r) => r.owner === owner);
  if (!role) throw new Error(`no role owned by ${owner}`);
  return role;
}

const callers = ['Api', 'Validation', 'Processing', 'Notification', 'JobWorkflow'];

describe('every action the code performed is allowed', () => {
  it('recorded calls from every function and the workflow', () => {
    expect([...new Set(calls.map((c) => c.caller))].sort()).toEqual([...callers].sort());
  });

  it.each(callers)('%s', async (caller) => {
    const performed = [...new Map(calls.filter((c) => c.caller === caller).map((c) => [`${c.action} ${c.resource}`, c])).values()];
    expect(performed.length).toBeGreaterThan(0);
    for (const call of performed) {
      expect({ call, decision: await simulate(roleOf(caller).statements, call.action, call.resource) }).toEqual({ call, decision: 'Allowed' });
    }
  });
});

describe('what no role needs is denied', () => {
  const destructive: [string, string][] = [
    ['dynamodb:DeleteTable', tableArn],
    ['dynamodb:UpdateTable', tableArn],
    ['s3:DeleteBucket', `arn:aws:s3:::tapstack-lambda-code-${LOCAL_ACCOUNT_ID}-${LOCAL_REGION}`],
    ['iam:CreateRole', `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/anything`],
    ['iam:PutRolePolicy', `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/TapStack-Api-Role`],
    ['iam:PassRole', `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/TapStack-Api-Role`],
    ['dynamodb:GetItem', `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/AnotherTable`],
    ['dynamodb:PutItem', `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/AnotherTable`],
    ['dynamodb:Query', `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/AnotherTable/index/gsi1`],
  ];

  it.each(callers)('%s', async (caller) => {
    for (const [action, resource] of destructive) {
      expect({ action, resource, decision: await simulate(roleOf(caller).statements, action, resource) }).toEqual({
        action,
        resource,
        decision: 'ImplicitlyDenied',
      });
    }
  });
});

describe('policy shape', () => {
  it('grants no wildcard action anywhere', () => {
    for (const role of roles) {
      for (const statement of role.statements) {
        expect(statement.Action.filter((a) => a.includes('*'))).toEqual([]);
      }
    }
  });

  it('uses resource "*" only for the actions AWS requires it for', () => {
    for (const role of roles) {
      for (const statement of role.statements.filter((s) => s.Resource.includes('*'))) {
        expect(statement.Action.filter((a) => !WILDCARD_RESOURCE_ACTIONS.has(a))).toEqual([]);
      }
    }
  });

  it('names only actions that exist (iam-data)', async () => {
    const actions = [...new Set(roles.flatMap((r) => r.statements.flatMap((s) => s.Action)))];
    const unknown: string[] = [];
    for (const action of actions) if (!(await actionExists(action))) unknown.push(action);
    expect(unknown).toEqual([]);
  });

  it('would catch a mistyped action', async () => {
    expect(await actionExists('dynamodb:PutItems')).toBe(false);
  });
});

describe('the state machine role (seed failure 3, proved)', () => {
  it.each([...LOG_DELIVERY_ACTIONS])('allows %s on *', async (action) => {
    expect(await simulate(roleOf('JobWorkflow').statements, action, '*')).toBe('Allowed');
  });

  it.each(['TapStack-Validation', 'TapStack-Processing', 'TapStack-Notification'])('allows lambda:InvokeFunction on %s', async (name) => {
    const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}`;
    expect(await simulate(roleOf('JobWorkflow').statements, 'lambda:InvokeFunction', arn)).toBe('Allowed');
  });

  it('does not allow invoking the API function', async () => {
    const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:TapStack-Api`;
    expect(await simulate(roleOf('JobWorkflow').statements, 'lambda:InvokeFunction', arn)).toBe('ImplicitlyDenied');
  });
});

describe('granted but never used', () => {
  it('is only what AWS services use on the roles behalf, and is reported', () => {
    const report: string[] = [];
    for (const caller of callers) {
      const used = new Set(calls.filter((c) => c.caller === caller).map((c) => c.action));
      const granted = new Set(roleOf(caller).statements.flatMap((s) => s.Action));
      const unused = [...granted].filter((action) => !used.has(action));
      report.push(`${caller}: ${unused.length === 0 ? 'none' : unused.join(', ')}`);
      expect(unused.filter((action) => !ACTIONS_USED_BY_AWS_ON_BEHALF.has(action))).toEqual([]);
    }
    process.stdout.write(`\nGranted but not used by the code (used by AWS on the role's behalf):\n  ${report.join('\n  ')}\n`);
  });
});

describe('the client role (POST /jobs and GET /jobs/{id} on this stage, nothing else)', () => {
  const api = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}`;

  it('is the role the stack synthesizes, with only execute-api:Invoke', () => {
    expect([...new Set(roleOf('Client').statements.flatMap((s) => s.Action))]).toEqual(['execute-api:Invoke']);
  });

  it.each([
    `${api}/v1/POST/jobs`,
    `${api}/v1/GET/jobs/5c1e7f3a-0000-4000-8000-000000000000`,
    `${api}/v1/GET/jobs/0123456789abcdef`,
  ])('may invoke %s', async (resource) => {
    expect(await simulate(roleOf('Client').statements, 'execute-api:Invoke', resource)).toBe('Allowed');
  });

  it.each([
    [`${api}/v1/GET/jobs`, 'listing every job by status'],
    [`${api}/v1/DELETE/jobs/abc`, 'another method on the job'],
    [`${api}/v1/PUT/jobs`, 'another method on the collection'],
    [`${api}/v1/POST/jobs/abc`, 'POST on a job'],
    [`${api}/v2/POST/jobs`, 'another stage'],
    [`${api}/test-invoke-stage/POST/jobs`, 'the console test stage'],
    [`arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:otherapi01/v1/POST/jobs`, 'another API'],
    [`arn:aws:execute-api:eu-west-1:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/v1/POST/jobs`, 'another region'],
  ])('may not invoke %s (%s)', async (resource) => {
    expect(await simulate(roleOf('Client').statements, 'execute-api:Invoke', resource)).toBe('ImplicitlyDenied');
  });

  it('may not manage the API or touch the data behind it', async () => {
    for (const [action, resource] of [
      ['execute-api:ManageConnections', `${api}/v1/POST/@connections/x`],
      ['apigateway:DELETE', `arn:aws:apigateway:${LOCAL_REGION}::/restapis/${LOCAL_API_ID}`],
      ['dynamodb:GetItem', tableArn],
      ['states:StartExecution', `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:TapStack-JobWorkflow`],
      ['lambda:InvokeFunction', `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:TapStack-Api`],
    ]) {
      expect({ action, decision: await simulate(roleOf('Client').statements, action, resource) }).toEqual({ action, decision: 'ImplicitlyDenied' });
    }
  });

  it('is granted exactly the two client routes, by ARN', () => {
    const granted = roleOf('Client').statements.flatMap((s) => s.Resource).map((r) => r.replace(`${api}/v1/`, ''));
    expect(granted.sort()).toEqual(['GET/jobs/*', 'POST/jobs']);
  });
});
