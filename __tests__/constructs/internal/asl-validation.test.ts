import { existsSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { dirname } from 'path';
import { validateAsl, verdictFile } from '../../../constructs/internal/asl-validation';

const OPTIONS = { checkArn: true, checkPaths: true };

describe('validateAsl', () => {
  it('accepts a valid definition and remembers the verdict under a key of its content', () => {
    const state = `Done${process.pid}${Date.now()}`;
    const definition = { StartAt: state, States: { [state]: { Type: 'Succeed' } } };
    expect(existsSync(verdictFile(definition, OPTIONS))).toBe(false);
    expect(validateAsl(definition, OPTIONS)).toEqual([]);
    expect(existsSync(verdictFile(definition, OPTIONS))).toBe(true);
    expect(validateAsl(definition, OPTIONS)).toEqual([]);
  });

  it('never caches a rejection: a bad definition gets asl-validator errors every time', () => {
    const definition = { StartAt: 'Missing', States: { Other: { Type: 'Succeed' } } };
    const first = validateAsl(definition, OPTIONS);
    expect(first.length).toBeGreaterThan(0);
    expect(existsSync(verdictFile(definition, OPTIONS))).toBe(false);
    expect(validateAsl(definition, OPTIONS)).toEqual(first);
  });

  it('keys the verdict by the options too', () => {
    const definition = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'not-an-arn', End: true } } };
    expect(validateAsl(definition, { checkArn: false, checkPaths: true })).toEqual([]);
    expect(validateAsl(definition, OPTIONS).length).toBeGreaterThan(0);
  });

  it('runs asl-validator every time with ASL_VALIDATION_CACHE=off, even over a remembered verdict', () => {
    const definition = { StartAt: 'Missing', States: { Other: { Type: 'Succeed' } } };
    const file = verdictFile(definition, OPTIONS);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, ''); // a verdict that should never have been remembered
    process.env.ASL_VALIDATION_CACHE = 'off';
    try {
      expect(validateAsl(definition, OPTIONS).length).toBeGreaterThan(0);
    } finally {
      delete process.env.ASL_VALIDATION_CACHE;
      rmSync(file, { force: true });
    }
  });
});
