import { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'fs';
import { builtinModules } from 'module';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { withPlaceholderArns } from '../../constructs/internal/state-machine';
import { removeScratchClone, scratchClone } from '../helpers/scratch-clone';

// The constructs as another team gets them: `npm run build && npm pack` as the README shows it, in a
// scratch clone; the tarball installed into a fresh consumer project (offline: unpacked as npm would,
// every other package linked from this repo's node_modules), compiled against the shipped
// declarations and synthesized from the package name. The consumer's table is keyed `PK`/`SK` (the seed's
// spelling, through keyNamePattern); its handlers/ hold one written as the package asks
// (orders.ts) and one written the seed's way (seed-raw-sdk.ts, `Key: { pk }`), and the test
// derives a third, orders.ts with the seed's `pk`/`sk`. Seed failure 4 must be stopped three
// times over by what the tarball ships: the table client's types, its lint config, and synth.
jest.setTimeout(300_000);

const REPO = resolve(__dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const BIN = (name: string) => join(REPO, 'node_modules', '.bin', name);
/** The command of the README's "Install" and of docs/library.md, run as written in a scratch clone. */
const README_PACK = 'npm run build && npm pack';
/** What `npm pack` writes, and what the README's install line names. */
const TARBALL = `${PACKAGE.name}-${PACKAGE.version}.tgz`;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function mustRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = run(command, args, cwd, env);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.output}`);
  return result.output;
}

describe(`the ${PACKAGE.name} package`, () => {
  const work = mkdtempSync(join(tmpdir(), 'package-test-'));
  const consumer = join(work, 'consumer');
  let packedFiles: string[] = [];
  let compiledFiles = '';
  let installed = '';

  beforeAll(() => {
    const clone = scratchClone('package-test-');
    mustRun('bash', ['-e', '-c', README_PACK], clone);
    if (!existsSync(join(clone, TARBALL))) throw new Error(`${README_PACK} wrote no ${TARBALL}: ${readdirSync(clone).join(', ')}`);
    cpSync(join(clone, TARBALL), join(work, TARBALL));
    removeScratchClone(clone);
    packedFiles = mustRun('tar', ['-tzf', join(work, TARBALL)], work)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => line.replace(/^package\//, ''));

    cpSync(join(REPO, '__tests__', 'fixtures', 'consumer'), consumer, { recursive: true });
    installed = join(consumer, 'node_modules', PACKAGE.name);
    mkdirSync(installed, { recursive: true });
    mustRun('tar', ['-xzf', join(work, TARBALL), '-C', installed, '--strip-components=1'], work);
    for (const entry of readdirSync(join(REPO, 'node_modules'))) {
      if (entry === PACKAGE.name || entry.startsWith('.')) continue;
      symlinkSync(join(REPO, 'node_modules', entry), join(consumer, 'node_modules', entry));
    }
    // The package's commands, linked into node_modules/.bin from its "bin" as npm install links them.
    mkdirSync(join(consumer, 'node_modules', '.bin'));
    for (const [command, file] of Object.entries(PACKAGE.bin as Record<string, string>)) {
      symlinkSync(join('..', PACKAGE.name, file), join(consumer, 'node_modules', '.bin', command));
    }
    // A type error in the consumer fails here, with tsc's message.
    compiledFiles = mustRun(BIN('tsc'), ['-p', 'tsconfig.json', '--listFiles'], consumer);
  });

  it('ships the built library, its declarations, the guard-check command, README and CHANGELOG, and nothing else', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/table-client/index.js',
        'dist/table-client/index.d.ts',
        'dist/eslint/index.cjs',
        'dist/eslint/index.d.cts',
        'dist/cli/guard-check.js',
        'bin/guard-check.cjs',
      ]),
    );
    expect(packedFiles.filter((file) => !/^(package\.json|README\.md|CHANGELOG\.md|bin\/guard-check\.cjs|dist\/.+\.(c?js|d\.c?ts))$/.test(file))).toEqual([]);
  });

  describe('the guard-check command', () => {
    // What a team that writes HCL runs on its plan: a committed offline plan of the seed-1 fixture, as plan.json.
    const guardCheck = (args: string) => {
      cpSync(join(REPO, '__tests__', 'fixtures', 'guard-check', 'seed-1-bucket-name', 'plan.json'), join(consumer, 'plan.json'));
      const result = spawnSync('bash', ['-c', `npx --no-install guard-check ${args}`], { cwd: consumer, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };

    it('runs from the tarball with npx, on the built dist/ (no TypeScript source ships): a violation exits 1, naming rule, address and fix', () => {
      const result = guardCheck('plan.json');
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 1, stderr: '' });
      expect(result.stdout).toMatch(/^\[bucket-name\/charset\] plan\/aws_s3_bucket\.lambda_code: bucket "TapStack-lambda-code" must .* Fix: /m);
      expect(packedFiles.filter((file) => file.startsWith('constructs/'))).toEqual([]);
    });

    it('exits 2 with one line on input it cannot read', () => {
      writeFileSync(join(consumer, 'not-a-plan.json'), '[]');
      const result = guardCheck('not-a-plan.json');
      expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 2, stdout: '' });
      expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^guard-check: not-a-plan\.json: neither the JSON of terraform show -json/)]);
    });
  });

  it('declares cdktf, constructs and the AWS provider as peers, so a consumer never holds two copies of cdktf', () => {
    for (const peer of ['cdktf', 'constructs', '@cdktf/provider-aws']) {
      expect(PACKAGE.peerDependencies[peer]).toBeDefined();
      expect(PACKAGE.dependencies[peer]).toBeUndefined();
    }
    const fromPackage = realpathSync(require.resolve('cdktf', { paths: [join(consumer, 'node_modules', PACKAGE.name, 'dist')] }));
    const fromConsumer = realpathSync(require.resolve('cdktf', { paths: [consumer] }));
    expect(fromPackage).toBe(fromConsumer);
  });

  it('type-checks a consumer against the shipped declarations, resolved through the exports map', () => {
    expect(compiledFiles).toContain(`/node_modules/${PACKAGE.name}/dist/index.d.ts`);
    expect(compiledFiles).toContain(`/node_modules/${PACKAGE.name}/dist/table-client/index.d.ts`);
    expect(compiledFiles).not.toContain(`${REPO}/constructs/`);
  });

  describe('the table client, guarded-serverless-stack/table-client', () => {
    it('needs only the AWS SDK at run time: its built files require @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb, both optional peers, and nothing but Node\'s own modules', () => {
      expect(PACKAGE.exports['./table-client']).toEqual({ types: './dist/table-client/index.d.ts', default: './dist/table-client/index.js' });
      const bare = new Set<string>();
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
          if (builtinModules.includes(specifier.replace(/^node:/, ''))) continue; // Node's own modules are there in every Lambda runtime
          if (!specifier.startsWith('.')) bare.add(specifier);
          else visit(existsSync(`${resolve(dirname(file), specifier)}.js`) ? `${resolve(dirname(file), specifier)}.js` : join(resolve(dirname(file), specifier), 'index.js'));
        }
      };
      visit(join(installed, 'dist', 'table-client', 'index.js'));
      expect([...seen].map((file) => file.slice(installed.length + 1)).sort()).toEqual([
        'dist/guard-validation-error.js',
        'dist/key-schema.js',
        'dist/table-client/document-client.js',
        'dist/table-client/index.js',
        'dist/table-client/table-client.js',
      ]);
      expect([...bare].sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
      for (const sdk of bare) {
        expect(PACKAGE.peerDependencies[sdk]).toMatch(/^\^3\./);
        expect(PACKAGE.peerDependenciesMeta[sdk]).toEqual({ optional: true });
      }
    });

    it('loads and serves a request with cdktf, constructs and the package\'s own dependencies unresolvable, while the main entry cannot', () => {
      const script = `
        const Module = require('module');
        const resolveFilename = Module._resolveFilename;
        Module._resolveFilename = function (request, ...rest) {
          if (/^(cdktf|constructs|@cdktf\\/|esbuild|acorn|fflate|asl-validator)(\\/|$)/.test(request)) {
            throw Object.assign(new Error('blocked: ' + request), { code: 'MODULE_NOT_FOUND' });
          }
          return resolveFilename.call(this, request, ...rest);
        };
        const { TableClient, defineKeySchema } = require('${PACKAGE.name}/table-client');
        const schema = defineKeySchema({ primary: { partitionKey: { name: 'PK', type: 'S' } } });
        const sent = [];
        const documents = { send: async (command) => (sent.push(command.input), { Item: { PK: 'ORDER#1', status: 'NEW' } }) };
        new TableClient(schema, 'orders', documents).get({ PK: 'ORDER#1' }).then((item) => {
          let main = 'loaded';
          try { require('${PACKAGE.name}'); } catch (error) { main = error.message; }
          console.log(JSON.stringify({ item, sent, main, loaded: Object.keys(require.cache) }));
        });`;
      const result = JSON.parse(mustRun(process.execPath, ['-e', script], consumer));
      expect(result.item).toEqual({ PK: 'ORDER#1', status: 'NEW' });
      expect(result.sent).toEqual([{ TableName: 'orders', Key: { PK: 'ORDER#1' } }]);
      expect(result.main).toMatch(/^blocked: (cdktf|constructs|@cdktf\/|esbuild|acorn|fflate|asl-validator)/);
      const ownFiles = result.loaded.filter((file: string) => file.includes(`/node_modules/${PACKAGE.name}/`)).map((file: string) => file.slice(installed.length + 1));
      expect(ownFiles.sort()).toEqual([
        'dist/guard-validation-error.js',
        'dist/key-schema.js',
        'dist/table-client/document-client.js',
        'dist/table-client/index.js',
        'dist/table-client/table-client.js',
      ]);
      expect(result.loaded.filter((file: string) => /\/node_modules\/(cdktf|constructs|@cdktf|esbuild|acorn|fflate|asl-validator)\//.test(file))).toEqual([]);
    });

    it("refuses, in the consumer's tsc, the seed's pk/sk against the PK/SK table (orders.ts with the seed's spelling)", () => {
      const orders = readFileSync(join(consumer, 'handlers', 'orders.ts'), 'utf8');
      const seedSpelling = orders.replace('{ PK: `ORDER#${event.orderId}`, SK: ', '{ pk: `ORDER#${event.orderId}`, sk: ');
      expect(seedSpelling).not.toBe(orders);
      writeFileSync(join(consumer, 'handlers', 'seed-client.ts'), seedSpelling);
      writeFileSync(join(consumer, 'tsconfig.seed-client.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['handlers/seed-client.ts'] }));
      const result = run(BIN('tsc'), ['-p', 'tsconfig.seed-client.json'], consumer);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain(
        "handlers/seed-client.ts(7,75): error TS2561: Object literal may only specify known properties, but 'pk' does not exist in type " +
          "'Exactly<{ PK: string; SK: string; }, { PK: string; SK: string; }>'. Did you mean to write 'PK'?",
      );
    });
  });

  describe('the lint config, guarded-serverless-stack/eslint', () => {
    let messages: Record<string, string[]>;
    beforeAll(() => {
      // The consumer's eslint.config.mjs: the shipped config for handlers/, typescript-eslint's parser for .ts.
      // Kept under another name in the fixture, where ESLint would otherwise use it for this repo's own lint of the folder.
      renameSync(join(consumer, 'consumer-eslint.config.mjs'), join(consumer, 'eslint.config.mjs'));
      const result = run(BIN('eslint'), ['--format', 'json', 'handlers'], consumer);
      if (!result.output.trimStart().startsWith('[')) throw new Error(`eslint failed in the consumer:\n${result.output}`);
      messages = Object.fromEntries(
        (JSON.parse(result.output) as { filePath: string; messages: { line: number; column: number; ruleId: string }[] }[]).map((file) => [
          file.filePath.slice(consumer.length + 1),
          file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`),
        ]),
      );
    });

    it("flags the seed's handler: the DynamoDB SDK imports and the raw Key: { pk } request", () => {
      expect(messages['handlers/seed-raw-sdk.ts']).toEqual(['3:1 guarded/lambda-imports', '4:1 guarded/lambda-imports', '9:90 guarded/no-raw-dynamodb-request']);
    });

    it('leaves the handler written with the table client alone', () => {
      expect(messages['handlers/orders.ts']).toEqual([]);
    });
  });

  it("shows in docs/library.md the consumer's lint config and table client import this test runs", () => {
    const library = readFileSync(join(REPO, 'docs', 'library.md'), 'utf8');
    const fixture = (file: string) => readFileSync(join(REPO, '__tests__', 'fixtures', 'consumer', file), 'utf8');
    expect(library).toContain(`\`\`\`js\n// eslint.config.mjs\n${fixture('consumer-eslint.config.mjs')}\`\`\``);
    const importLine = "import { TableClient } from 'guarded-serverless-stack/table-client';";
    expect(fixture('handlers/orders.ts')).toContain(importLine);
    expect(library).toContain(`\`\`\`ts\n${importLine}\n\`\`\``);
  });

  it("refuses the seed's bundle at synth (Key: { pk } granted the PK table), naming both spellings, the function, the table and the fix", () => {
    const result = run(process.execPath, ['out/main.js'], consumer, { CDKTF_OUTDIR: join(work, 'seed4.out'), CONSUMER_HANDLER: 'handlers/seed-raw-sdk.ts' });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("UnreservedFunction at 'ConsumerStack/Worker' has 2 problems:");
    for (const [code, table] of [
      ['pk', 'PK'],
      ['sk', 'SK'],
    ]) {
      expect(result.output).toContain(
        `[table-keys/bundle-spelling] key name in the deployed code "${code}" must be spelled as the key schema of the table it is granted spells it: "${table}" (ConsistentTable 'ConsumerStack/Orders')`,
      );
    }
    expect(result.output).toContain('Fix: build keys with the table client typed from that schema (guarded-serverless-stack/table-client)');
  });

  /** Synthesizes the consumer app with `cwd` as the working directory; returns its stack's Terraform JSON. */
  function synthConsumer(cwd: string): any {
    const outdir = mkdtempSync(join(work, 'out-'));
    mustRun(process.execPath, [join(consumer, 'out', 'main.js')], cwd, { CDKTF_OUTDIR: outdir });
    return JSON.parse(readFileSync(join(outdir, 'stacks', 'ConsumerStack', 'cdk.tf.json'), 'utf8'));
  }

  let stack: any;
  beforeAll(() => {
    stack = synthConsumer(consumer);
  });

  it('synthesizes the guard constructs imported from the package name', () => {
    for (const type of ['aws_s3_bucket', 'aws_sfn_state_machine', 'aws_dynamodb_table']) {
      expect(Object.keys(stack.resource[type] ?? {})).toHaveLength(1);
    }
    expect(Object.values<any>(stack.resource.aws_lambda_function).map((f) => f.function_name).sort()).toEqual(['ConsumerStack-Worker', 'legacy-notifier']);
    expect(Object.values<any>(stack.resource.aws_dynamodb_table)[0].hash_key).toBe('PK');
  });

  it('takes an imported bucket as the code bucket and an imported function as an API route, through the shipped interfaces', () => {
    const worker = Object.values<any>(stack.resource.aws_lambda_function).find((f) => f.function_name === 'ConsumerStack-Worker');
    expect(worker.s3_bucket).toBe('acme-shared-lambda-code');
    expect(Object.values<any>(stack.resource.aws_s3_object).map((o) => o.bucket)).toEqual(['acme-shared-lambda-code']);
    expect(Object.values<any>(stack.resource.aws_lambda_permission)).toEqual([
      expect.objectContaining({ function_name: 'billing', principal: 'apigateway.amazonaws.com' }),
    ]);
  });

  it('grants the state machine invoke on exactly its three Task functions: made here, imported, and made with the provider class', () => {
    const policy = Object.entries<any>(stack.data.aws_iam_policy_document).find(([name]) => name.startsWith('Flow_Role_PolicyDocument'))?.[1];
    const invoked = policy.statement.filter((s: any) => s.actions.includes('lambda:InvokeFunction')).flatMap((s: any) => s.resources);
    expect(invoked).toEqual([
      expect.stringMatching(/^\$\{aws_lambda_function\.Worker_Function_\w+\.arn\}$/),
      expect.stringMatching(/^\$\{aws_lambda_function\.Worker_Function_\w+\.arn\}:\*$/),
      'arn:aws:lambda:eu-west-1:123456789012:function:billing',
      'arn:aws:lambda:eu-west-1:123456789012:function:billing:*',
      '${aws_lambda_function.Legacy.arn}',
      '${aws_lambda_function.Legacy.arn}:*',
    ]);
  });

  it('runs the state machine definition as synthesized: Work, then the imported Bill, then the provider-class Notify', async () => {
    const local = Object.entries<any>(stack.locals).find(([name]) => name.startsWith('Flow_Definition'))?.[1];
    // References (`${aws_lambda_function.Legacy.arn}`) become function ARNs of their shape, as the construct's own ASL check reads them.
    const machine = new StateMachine(withPlaceholderArns(local) as StateMachineDefinition, { validationOptions: { checkArn: true, checkPaths: true } });
    const called: string[] = [];
    type TaskHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
    const task = (name: string): TaskHandler => (input) => {
      called.push(name);
      return { ...(input as object), [name]: true };
    };
    const run = machine.run({ order: 'ORDER#1' }, { overrides: { taskResourceLocalHandlers: { Work: task('Work'), Bill: task('Bill'), Notify: task('Notify') } } });
    await expect(run.result).resolves.toEqual({ order: 'ORDER#1', Work: true, Bill: true, Notify: true });
    expect(called).toEqual(['Work', 'Bill', 'Notify']);
  });

  it('synthesizes the same stack from a folder other than the app\'s own (entries never depend on the working directory)', () => {
    const elsewhere = mkdtempSync(join(work, 'elsewhere-'));
    expect(synthConsumer(elsewhere)).toEqual(stack);
  });

  it('keeps its guards: the seed-1 bucket name is refused at synth, naming the construct, the rule and the fix, once', () => {
    const result = run(process.execPath, ['out/main.js'], consumer, {
      CDKTF_OUTDIR: join(work, 'refused.out'),
      CONSUMER_BUCKET_NAME: 'TapStack-lambda-code-123456789012',
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(
      "GuardValidationError: SafeBucket at 'ConsumerStack/Code' has 1 problem:\n" +
        '  - [bucket-name/charset] bucketName "TapStack-lambda-code-123456789012" must contain only lowercase letters, digits, \'.\' and \'-\'.\n' +
        '    Fix: lowercase the name and replace other characters with "-"\n' +
        `    at Object.<anonymous> (${join(consumer, 'out', 'main.js')}:`,
    );
    // Node's own printout, without the app command's handler: no violations object, one frame (the app's line).
    expect(result.output).not.toMatch(/violations: \[|ruleId:|bucket-name\/edges/);
    expect(result.output.split('\n').filter((line) => /^\s+at /.test(line))).toHaveLength(1);
  });
});
