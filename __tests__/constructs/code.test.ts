import { zipSync } from 'fflate';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, dirname, join } from 'path';
import { Code } from '../../constructs/code';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction, UnreservedFunctionProps } from '../../constructs/unreserved-function';
import { forgetBundlesOfThisProcess } from '../../constructs/internal/bundling';
import { ECHO_ENTRY, guardErrorOf, newStack, onlyResource, synth } from '../helpers/stacks';

function functionWith(props: Partial<UnreservedFunctionProps>) {
  const { stack } = newStack();
  const codeBucket = new SafeBucket(stack, 'Code', {});
  const fn = new UnreservedFunction(stack, 'Fn', { codeBucket, ...props });
  return { stack, fn, lambda: () => onlyResource(synth(stack).json, 'aws_lambda_function') };
}

const ruleIdsOf = (props: Partial<UnreservedFunctionProps>) => guardErrorOf(() => functionWith(props)).violations.map((v) => v.ruleId);

describe('Code.fromEntry: entries never depend on the working directory', () => {
  it('refuses a relative entry without a projectRoot, naming the fix (and not also "does not exist")', () => {
    const error = guardErrorOf(() => functionWith({ entry: 'lambdas/api/handler.ts' }));
    expect(error.violations).toEqual([expect.objectContaining({ ruleId: 'function/entry-absolute', field: 'code path', value: 'lambdas/api/handler.ts' })]);
    expect(error.message).toContain("join(__dirname, 'handler.ts')");
  });

  it('resolves a relative entry against an absolute projectRoot', () => {
    const { fn, lambda } = functionWith({ code: Code.fromEntry(basename(ECHO_ENTRY), { projectRoot: dirname(ECHO_ENTRY) }) });
    expect(fn.code.absolutePath).toBe(ECHO_ENTRY);
    expect(fn.bundle?.zipPath).toMatch(/lambda\.zip$/);
    expect(lambda().handler).toBe('index.handler');
  });

  it('refuses a relative projectRoot, and a missing absolute entry', () => {
    expect(ruleIdsOf({ code: Code.fromEntry('echo-handler.ts', { projectRoot: '__tests__/fixtures' }) })).toEqual(['function/entry-absolute']);
    expect(ruleIdsOf({ entry: join(dirname(ECHO_ENTRY), 'missing.ts') })).toEqual(['function/entry-exists']);
  });

  it('takes the code exactly once: entry or code', () => {
    expect(ruleIdsOf({})).toEqual(['function/code']);
    expect(ruleIdsOf({ entry: ECHO_ENTRY, code: Code.fromEntry(ECHO_ENTRY) })).toEqual(['function/code']);
  });

  it('synthesizes the same function, bundle hash and S3 key from another working directory', () => {
    const fromRepo = functionWith({ entry: ECHO_ENTRY }).lambda();
    const elsewhere = mkdtempSync(join(tmpdir(), 'code-cwd-'));
    const previous = { cwd: process.cwd(), cache: process.env.BUNDLE_CACHE };
    process.chdir(elsewhere);
    process.env.BUNDLE_CACHE = 'off'; // esbuild runs again, from the other folder
    forgetBundlesOfThisProcess();
    try {
      const fromElsewhere = functionWith({ entry: ECHO_ENTRY }).lambda();
      expect(fromElsewhere.s3_key).toBe(fromRepo.s3_key);
      expect(fromElsewhere.source_code_hash).toBe(fromRepo.source_code_hash);
    } finally {
      process.chdir(previous.cwd);
      if (previous.cache === undefined) delete process.env.BUNDLE_CACHE;
      else process.env.BUNDLE_CACHE = previous.cache;
    }
  });
});

describe('Code.fromAsset: a zip built elsewhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'code-asset-'));
  const zip = join(dir, 'prebuilt.zip');
  writeFileSync(zip, zipSync({ 'main.js': new TextEncoder().encode('exports.run = async () => ({ ok: true });') }, { mtime: new Date('1980-01-01T00:00:00Z') }));

  it('uploads the zip as it is, under a key holding its hash, with the handler it names', () => {
    const { stack, fn, lambda } = functionWith({ code: Code.fromAsset(zip, { handler: 'main.run' }) });
    expect(fn.bundle).toBeUndefined();
    expect(lambda()).toMatchObject({ handler: 'main.run', s3_key: expect.stringMatching(/^lambda\/[0-9A-F]{32}\.zip$/i) });
    expect(Object.keys(synth(stack).json.resource.aws_s3_object)).toHaveLength(1);
  });

  it('refuses a file that is not a zip, and a handler without a file and a function', () => {
    expect(ruleIdsOf({ code: Code.fromAsset(ECHO_ENTRY) })).toEqual(['function/asset-zip']);
    expect(ruleIdsOf({ code: Code.fromAsset(zip, { handler: 'run' }) })).toEqual(['function/handler']);
    expect(ruleIdsOf({ code: Code.fromAsset('prebuilt.zip') })).toEqual(['function/entry-absolute']);
  });
});
