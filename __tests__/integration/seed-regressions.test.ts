import { TerraformVariable, Testing } from 'cdktf';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';
import { ConsistentTable } from '../../constructs/consistent-table';
import { defineKeySchema } from '../../constructs/key-schema';
import { LoggedStateMachine } from '../../constructs/logged-state-machine';
import { SafeBucket } from '../../constructs/safe-bucket';
import { ACCOUNT_CONCURRENCY_CONTEXT_KEY, UnreservedFunction } from '../../constructs/unreserved-function';
import { LOG_DELIVERY_ACTIONS } from '../../constructs/internal/iam';
import { ECHO_ENTRY, errorOf, newStack } from '../helpers/stacks';
import { FAKE_ACCOUNT_ID, FAKE_REGION, assertTerraformAvailable, initValidateAndPlan, planAgain, resourceAddress, synthToTempDir } from '../helpers/terraform';

/**
 * One test per failure of the post-mortem (../shared/seed-model-failures.md),
 * each rebuilding the original configuration and showing what happens now.
 */
jest.setTimeout(120_000);

describe('seed failure 1: bucket name built from the stack name TapStack', () => {
  it('derives a lowercase name that the real provider plans', () => {
    assertTerraformAvailable();
    const { stack } = newStack('TapStack');
    new SafeBucket(stack, 'LambdaCodeS3Bucket', { purpose: 'lambda-code' });
    const dir = synthToTempDir(stack);
    const bucket = resourceAddress(dir, 'aws_s3_bucket', 'LambdaCodeS3Bucket');
    const result = initValidateAndPlan(dir, {
      asserts: [[`${bucket}.bucket == "tapstack-lambda-code-${FAKE_ACCOUNT_ID}-${FAKE_REGION}"`, 'unexpected bucket name']],
    });
    expect(result.ok).toBe(true);
  });

  it('rejects the same name when given explicitly, instead of rewriting it', () => {
    const { stack } = newStack('TapStack');
    const message = errorOf(() => new SafeBucket(stack, 'LambdaCodeS3Bucket', { bucketName: 'TapStack-lambda-code-123456789012' }));
    expect(message).toContain('[bucket-name/charset]');
    expect(message).toContain('"TapStack-lambda-code-123456789012"');
  });
});

describe('seed failure 2: reserved concurrency of 100, 50 and 25', () => {
  /** The seed's configuration, exactly: three reservations and no quota declared. */
  function seedStack(context: Record<string, unknown> = {}) {
    const { app, stack } = newStack('TapStack', context);
    const codeBucket = new SafeBucket(stack, 'Code', {});
    new UnreservedFunction(stack, 'ProcessingLambda', { entry: ECHO_ENTRY, codeBucket, reservedConcurrency: 100 });
    new UnreservedFunction(stack, 'ValidationLambda', { entry: ECHO_ENTRY, codeBucket, reservedConcurrency: 50 });
    new UnreservedFunction(stack, 'NotificationLambda', { entry: ECHO_ENTRY, codeBucket, reservedConcurrency: 25 });
    return { app, stack };
  }

  it('passes synth with no quota declared, then stops the plan when the applied quota is 10 or 124, and passes at 1000', () => {
    assertTerraformAvailable();
    const { stack } = seedStack();
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const dir = synthToTempDir(stack);
    const enough = initValidateAndPlan(dir, { dataOverrides: { aws_servicequotas_service_quota: { value: 1000 } } });
    expect(enough.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(enough.ok).toBe(true);
    const planWithQuota = (value: number) => planAgain(dir, { dataOverrides: { aws_servicequotas_service_quota: { value } } });

    const ten = planWithQuota(10);
    expect(ten.ok).toBe(false);
    expect(ten.output).toContain('Resource precondition failed');
    const flat = (text: string) => text.replace(/[│\s]+/g, ' ');
    expect(flat(ten.output)).toContain(
      "LambdaConcurrencyGuard at 'TapStack': [function/unreserved-concurrency] this account's quota (10) leaves no room for reserved concurrency: AWS keeps 100 unreserved.",
    );
    expect(flat(ten.output)).toContain(
      'Reserving in an account no provider pins (allowed_account_ids unset) in us-east-1: TapStack/ProcessingLambda/Function=100, TapStack/ValidationLambda/Function=50, TapStack/NotificationLambda/Function=25 (175 in total;',
    );

    const low = planWithQuota(124);
    expect(low.ok).toBe(false);
    expect(flat(low.output)).toContain("this account's quota (124) leaves room for 24 reserved once AWS keeps 100 unreserved, but 175 are reserved.");
    expect(flat(low.output)).toContain('TapStack/ProcessingLambda/Function=100, TapStack/ValidationLambda/Function=50, TapStack/NotificationLambda/Function=25 (175 in total;');
  });

  it('lets a reservation known only at deploy time through synth and stops it at plan', () => {
    assertTerraformAvailable();
    const { stack } = newStack('TapStack');
    const codeBucket = new SafeBucket(stack, 'Code', {});
    const reserved = new TerraformVariable(stack, 'processing_reserved', { type: 'number', default: 950 });
    new UnreservedFunction(stack, 'ProcessingLambda', { entry: ECHO_ENTRY, codeBucket, reservedConcurrency: reserved.numberValue });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const result = initValidateAndPlan(synthToTempDir(stack));
    expect(result.ok).toBe(false);
    expect(result.output.replace(/[│\s]+/g, ' ')).toContain(
      "this account's quota (1000) leaves room for 900 reserved once AWS keeps 100 unreserved, but 950 are reserved. Reserving in an account no provider pins (allowed_account_ids unset) in us-east-1: TapStack/ProcessingLambda/Function=950 (950 in total;",
    );
  });

  it('fails at synth against a declared quota of 270 (275 needed), naming every function, the total and the fix', () => {
    const { stack } = seedStack({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 270 });
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("[TapStack] aws_lambda_function.ProcessingLambda_Function_");
    expect(message).toContain('[function/unreserved-concurrency] reserved_concurrent_executions 175 must leave at least 100');
    expect(message).toContain("this account's quota (270) leaves room for 170 reserved once AWS keeps 100 unreserved, but 175 are reserved");
    expect(message).toContain(
      'Reserving: TapStack/ProcessingLambda/Function=100, TapStack/ValidationLambda/Function=50, TapStack/NotificationLambda/Function=25 (175 in total;',
    );
    expect(message).toContain('Fix: remove reservedConcurrency');
  });

  it('fails at synth against a declared quota of 10 with a plain message', () => {
    const { stack } = seedStack({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 10 });
    expect(errorOf(() => Testing.synth(stack, true))).toContain(
      "this account's quota (10) leaves no room for reserved concurrency: AWS keeps 100 unreserved",
    );
  });
});

describe('seed failure 3: state machine with logging and a bare role', () => {
  it('attaches the eight log-delivery actions to the bare role, and the state machine waits for them', () => {
    assertTerraformAvailable();
    const { stack } = newStack('TapStack');
    const codeBucket = new SafeBucket(stack, 'Code', {});
    const fn = new UnreservedFunction(stack, 'ProcessingLambda', { entry: ECHO_ENTRY, codeBucket });
    new LoggedStateMachine(stack, 'ApplicationStateMachine', {
      definition: { StartAt: 'Process', States: { Process: { Type: 'Task', Resource: fn.functionArn, End: true } } },
      existingRole: { roleArn: 'arn:aws:iam::123456789012:role/StepFunctionsExecutionRole' },
    });
    const synthesized = JSON.parse(Testing.synth(stack));
    const doc = Object.entries(synthesized.data.aws_iam_policy_document).find(([key]) => key.startsWith('ApplicationStateMachine_Role_PolicyDocument'))?.[1] as {
      statement: { actions: string[] }[];
    };
    expect(doc.statement.flatMap((s) => s.actions)).toEqual(expect.arrayContaining([...LOG_DELIVERY_ACTIONS]));
    const dir = synthToTempDir(stack);
    const attached = resourceAddress(dir, 'aws_iam_role_policy', 'ApplicationStateMachine_Role_Policy');
    const stateMachine = Object.values(synthesized.resource.aws_sfn_state_machine)[0] as { depends_on: string[] };
    expect(stateMachine.depends_on).toContain(attached);
    const result = initValidateAndPlan(dir, {
      asserts: [[`${attached}.role == "StepFunctionsExecutionRole"`, 'the log-delivery policy is not attached to the bare role']],
    });
    expect(result.ok).toBe(true);
  });

  it('stops the plan when a deploy-time role ARN names another role than roleName, before anything is attached', () => {
    assertTerraformAvailable();
    const { stack } = newStack('TapStack');
    const codeBucket = new SafeBucket(stack, 'Code', {});
    const fn = new UnreservedFunction(stack, 'ProcessingLambda', { entry: ECHO_ENTRY, codeBucket });
    const roleArn = new TerraformVariable(stack, 'state_machine_role_arn', { type: 'string', default: 'arn:aws:iam::123456789012:role/RoleA' });
    new LoggedStateMachine(stack, 'ApplicationStateMachine', {
      definition: { StartAt: 'Process', States: { Process: { Type: 'Task', Resource: fn.functionArn, End: true } } },
      existingRole: { roleArn: roleArn.stringValue, roleName: 'RoleB' },
    });
    const result = initValidateAndPlan(synthToTempDir(stack));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('Resource precondition failed');
    expect(result.output.replace(/[│\s]+/g, ' ')).toContain(
      "LoggedStateMachine at 'TapStack/ApplicationStateMachine': [state-machine/existing-role-match] existingRole.roleArn (arn:aws:iam::123456789012:role/RoleA) must end with role/RoleB or role/<path>/RoleB",
    );
  });
});

describe('seed failure 4: table keyed PK/SK beside code using pk', () => {
  const seedSchema = defineKeySchema({
    primary: { partitionKey: { name: 'PK', type: 'S' }, sortKey: { name: 'SK', type: 'S' } },
  });

  it('refuses the table at synth', () => {
    const { stack } = newStack('TapStack');
    const message = errorOf(() => new ConsistentTable(stack, 'Table', { schema: seedSchema }));
    expect(message).toContain('[table-keys/naming-convention]');
    expect(message).toContain('"PK"');
  });

  it('makes code that queries with pk against a PK schema fail to compile', () => {
    const dir = mkdtempSync(join(__dirname, '.seed4-'));
    try {
      const file = join(dir, 'code-using-pk.ts');
      writeFileSync(
        file,
        [
          "import { PrimaryKeyOf, defineKeySchema } from '../../../constructs/key-schema';",
          "const schema = defineKeySchema({ primary: { partitionKey: { name: 'PK', type: 'S' }, sortKey: { name: 'SK', type: 'S' } } });",
          "export const key: PrimaryKeyOf<typeof schema> = { pk: 'JOB#1', sk: 'JOB' };",
        ].join('\n'),
      );
      const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
      const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(messages.join('\n')).toMatch(/'pk' does not exist in type/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
