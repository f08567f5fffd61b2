import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { bundleEntry, esbuildRunCount, forgetBundlesOfThisProcess } from '../../../constructs/internal/bundling';

/** An entry importing a helper, in a folder of its own (its own cache key). */
function entryWithHelper(helperBody: string): { entry: string; helper: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bundling-test-'));
  const helper = join(dir, 'helper.ts');
  const entry = join(dir, 'handler.ts');
  writeFileSync(helper, helperBody);
  writeFileSync(entry, "import { answer } from './helper';\nexport const handler = async () => ({ answer: answer() });\n");
  return { entry, helper };
}

describe('bundleEntry reuse across processes', () => {
  const saved = process.env.BUNDLE_CACHE;
  afterEach(() => {
    if (saved === undefined) delete process.env.BUNDLE_CACHE;
    else process.env.BUNDLE_CACHE = saved;
  });

  it('reuses the bundle from disk when no input changed: no esbuild run, same hash', () => {
    const { entry } = entryWithHelper('export const answer = () => 42;\n');
    const first = bundleEntry(entry, 'node22');
    forgetBundlesOfThisProcess();
    const runs = esbuildRunCount();
    const again = bundleEntry(entry, 'node22');
    expect(esbuildRunCount()).toBe(runs);
    expect(again.contentHash).toBe(first.contentHash);
    expect(readFileSync(join(again.dir, 'index.js'), 'utf8')).toContain('42');
  });

  it('rebuilds when a file the entry imports changes', () => {
    const { entry, helper } = entryWithHelper('export const answer = () => 42;\n');
    const first = bundleEntry(entry, 'node22');
    writeFileSync(helper, 'export const answer = () => 43;\n');
    forgetBundlesOfThisProcess();
    const runs = esbuildRunCount();
    const rebuilt = bundleEntry(entry, 'node22');
    expect(esbuildRunCount()).toBe(runs + 1);
    expect(rebuilt.contentHash).not.toBe(first.contentHash);
    expect(readFileSync(join(rebuilt.dir, 'index.js'), 'utf8')).toContain('43');
  });

  it('rebuilds for another target and when BUNDLE_CACHE=off', () => {
    const { entry } = entryWithHelper('export const answer = () => 7;\n');
    bundleEntry(entry, 'node22');
    forgetBundlesOfThisProcess();
    let runs = esbuildRunCount();
    bundleEntry(entry, 'node20');
    expect(esbuildRunCount()).toBe(runs + 1);
    forgetBundlesOfThisProcess();
    process.env.BUNDLE_CACHE = 'off';
    runs = esbuildRunCount();
    bundleEntry(entry, 'node22');
    expect(esbuildRunCount()).toBe(runs + 1);
  });
});

describe('bundleEntry output', () => {
  it("loads the runtime's SDK with require() where the code imports it on first use, so Node never takes the slower ES module build", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundling-test-'));
    const entry = join(dir, 'handler.ts');
    writeFileSync(
      entry,
      "export const handler = async () => {\n  const { SNSClient } = await import('@aws-sdk/client-sns');\n  return new SNSClient({}).config.serviceId;\n};\n",
    );
    const code = readFileSync(join(bundleEntry(entry, 'node22').dir, 'index.js'), 'utf8');
    expect(code).toContain('require("@aws-sdk/client-sns")');
    expect(code).not.toMatch(/\bimport\(/);
  });
});
