import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { join, resolve } from 'path';
import { buildSdkFloor, sdkModulesRequiredBy } from '../../bench/cold-start-variants';
import { bundleEntry } from '../../constructs/internal/bundling';

const ROOT = resolve(__dirname, '..', '..');
const bundleOf = (handler: string) => readFileSync(join(bundleEntry(join(ROOT, 'lambdas', handler, 'handler.ts'), 'node22').dir, 'index.js'), 'utf8');

describe("a function's own cold-start floor", () => {
  it('loads the modules of the SDK its bundle requires, including one it loads on first use', () => {
    expect(sdkModulesRequiredBy(bundleOf('api'))).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/lib-dynamodb']);
    expect(sdkModulesRequiredBy(bundleOf('notification'))).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sns', '@aws-sdk/lib-dynamodb']);
    expect(sdkModulesRequiredBy(bundleOf('processing'))).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
    expect(sdkModulesRequiredBy(bundleOf('validation'))).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
  });

  it('is a handler that loads exactly those modules and answers', () => {
    // Inside the repository, so the handler resolves the SDK from node_modules as the bench's does
    // (bench/tmp/ is git-ignored: a clean clone has none).
    mkdirSync(join(ROOT, 'bench', 'tmp'), { recursive: true });
    const outRoot = mkdtempSync(join(ROOT, 'bench', 'tmp', 'floor-test-'));
    try {
      const floor = buildSdkFloor(outRoot, ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sns']);
      const script = `const h = require(${JSON.stringify(floor.handlerFile)});
      h.handler().then((answer) => process.stdout.write(JSON.stringify({ answer, loaded: [...new Set(Object.keys(require.cache).map((f) => /@aws-sdk\\/(client-[a-z]+)\\//.exec(f)?.[1]).filter(Boolean))].sort() })));`;
      expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).toEqual({
        answer: { statusCode: 200, body: '{}' },
        loaded: ['client-dynamodb', 'client-sns'],
      });
    } finally {
      rmSync(outRoot, { recursive: true, force: true });
    }
  });
});
