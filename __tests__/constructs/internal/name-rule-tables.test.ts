import { BUCKET_NAME_RULES, DIRECTORY_BUCKET_NAME_RULES, S3_RESERVED_PREFIXES, validateName } from '../../../constructs/internal/name-rules';

describe("S3's reserved prefixes: one list, one rule for general purpose and directory buckets", () => {
  it.each([
    ['bucket-name', BUCKET_NAME_RULES, (base: string) => `${base}-data`],
    ['directory-bucket-name', DIRECTORY_BUCKET_NAME_RULES, (base: string) => `${base}-data--use1-az4--x-s3`],
  ] as const)('%s refuses each prefix of S3_RESERVED_PREFIXES, naming them all, and accepts the name without it', (kind, rules, nameOf) => {
    for (const prefix of S3_RESERVED_PREFIXES) {
      const problems = validateName('bucket', nameOf(`${prefix}tapstack`), rules);
      expect(problems.map((p) => p.ruleId)).toEqual([`${kind}/reserved-prefix`]);
      expect(problems[0].requirement).toBe("not start with a prefix S3 reserves ('xn--', 'sthree-', 'amzn-s3-demo-')");
    }
    expect(validateName('bucket', nameOf('tapstack'), rules)).toEqual([]);
  });
});
