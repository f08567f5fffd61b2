import { readFileSync, readdirSync, statSync } from 'fs';
import { join, relative } from 'path';
import { inspect } from 'util';
import { GuardValidationError, Violation } from '../../constructs/guard-validation-error';
import { SafeBucket } from '../../constructs/safe-bucket';
import { guardErrorOf, newStack } from '../helpers/stacks';

const CONSTRUCTS_DIR = join(__dirname, '..', '..', 'constructs');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const seed1: Violation = {
  ruleId: 'bucket-name/charset',
  field: 'bucketName',
  value: 'TapStack-lambda-code-123456789012',
  requirement: "contain only lowercase letters, digits, '.' and '-'",
  fix: 'lowercase the name and replace other characters with "-"',
};

describe('GuardValidationError', () => {
  it('is the one error the library throws: no `throw new Error` anywhere in constructs/', () => {
    const files = sourceFiles(CONSTRUCTS_DIR);
    expect(files.length).toBeGreaterThan(20);
    const bare = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (/\bthrow\s+(new\s+)?(Error|TypeError|RangeError)\s*\(/.test(line) ? [`${relative(CONSTRUCTS_DIR, file)}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(bare).toEqual([]);
  });

  it('says, once, the construct path, then each rule with its field, value, requirement and fix', () => {
    const error = new GuardValidationError('SafeBucket', 'App/Code', [seed1]);
    expect(error.message).toBe(
      "SafeBucket at 'App/Code' has 1 problem:\n" +
        '  - [bucket-name/charset] bucketName "TapStack-lambda-code-123456789012" must contain only lowercase letters, digits, \'.\' and \'-\'.\n' +
        '    Fix: lowercase the name and replace other characters with "-"',
    );
    expect(error.name).toBe('GuardValidationError');
    expect(error).toBeInstanceOf(Error);
    expect([error.constructType, error.constructPath, error.violations]).toEqual(['SafeBucket', 'App/Code', [seed1]]);
  });

  it('prints numbers as numbers (Infinity is not null) and objects as JSON', () => {
    const error = new GuardValidationError('X', 'App/X', [
      { ...seed1, field: 'quota', value: Number.POSITIVE_INFINITY },
      { ...seed1, field: 'limits', value: { rate: 1 } },
    ]);
    expect(error.message).toContain('quota Infinity must');
    expect(error.message).toContain('limits {"rate":1} must');
    expect(error.message).toContain('has 2 problems');
  });

  it("prints uncaught as one block: no violations object dumped, no library frames, only the caller's line", () => {
    const error = guardErrorOf(() => new SafeBucket(newStack().stack, 'Code', { bucketName: 'TapStack-lambda-code-123456789012' }));
    // How Node prints an uncaught error (util.inspect without custom inspection).
    const printed = inspect(error, { customInspect: false });
    expect(printed).not.toMatch(/violations|constructPath|ruleId/);
    const frames = printed.split('\n').filter((line) => /^\s+at /.test(line));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toContain('guard-validation-error.test.ts');
    expect(printed.startsWith(`GuardValidationError: ${error.message}`)).toBe(true);
  });

  it('lists a name with only uppercase letters wrong under one rule, not also as an edges problem', () => {
    const error = guardErrorOf(() => new SafeBucket(newStack().stack, 'Code', { bucketName: 'TapStack-lambda-code-123456789012' }));
    expect(error.violations.map((v) => v.ruleId)).toEqual(['bucket-name/charset']);
  });
});
