import { existsSync } from 'fs';
import { tmpdir } from 'os';
import { basename, dirname } from 'path';

/**
 * Every temp folder a test makes lands in the run's own folder (__tests__/global-setup.cjs), which
 * __tests__/global-teardown.cjs removes when the run ends: tests leave nothing in the machine's temp dir.
 */
describe('temp folders of a test run', () => {
  it('os.tmpdir() in a test is the run folder the global setup made, inside the machine temp dir', () => {
    const runFolder = process.env.GUARDED_JEST_TMPDIR;
    expect(runFolder).toBeDefined();
    expect(tmpdir()).toBe(runFolder);
    expect(basename(runFolder!)).toMatch(/^guarded-jest-/);
    expect(existsSync(runFolder!)).toBe(true);
    expect(dirname(runFolder!)).not.toBe(runFolder);
  });

  it('passes the run folder to the processes a test starts', () => {
    expect(process.env.TMPDIR).toBe(process.env.GUARDED_JEST_TMPDIR);
  });
});
