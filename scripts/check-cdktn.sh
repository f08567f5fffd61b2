#!/usr/bin/env bash
# npm run check:cdktn: proves the move from cdktf 0.21 to CDK Terrain on a copy of this repo.
#   1. copies the repository (without node_modules and build output) to a temp folder;
#   2. swaps the packages (cdktf -> cdktn 0.24.0, cdktf-cli -> cdktn-cli 0.24.0,
#      @cdktf/provider-aws 20.1.0 -> @cdktn/provider-aws 25.7.0, constructs -> 10.7.0, the
#      range cdktn 0.24 asks for) and rewrites the imports, plus the AWS provider 6 renames
#      listed in REWRITES below;
#   3. installs (npm install: the swapped package.json has no lockfile);
#   4. runs tsc, the construct tests, the stack tests and `cdktn synth`.
# Terraform itself is not run on the copy: @cdktn/provider-aws 25.x is generated for
# hashicorp/aws 6.x, and this machine's provider mirror holds only 5.100.0, so
# `terraform validate`/`plan` cannot run for the swapped copy.
# CDK Terrain needs Node >= 22.19: on an older Node this re-runs itself on the pinned Node 22.
# KEEP_CHECK_CDKTN=1 keeps the temp folder for a look afterwards.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  exec "$root/scripts/with-node.sh" 22 bash "$0" "$@"
fi
export CHECKPOINT_DISABLE=1 DISABLE_VERSION_CHECK=true CI=true
started=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/check-cdktn-XXXXXX")"
if [ -z "${KEEP_CHECK_CDKTN:-}" ]; then trap 'rm -rf "$work"' EXIT; fi
step() { printf '\ncheck:cdktn [%ss] %s\n' "$(($(date +%s) - started))" "$*"; }

step "1/4 copy to $work (Node $(node --version))"
tar -C "$root" \
  --exclude=./node_modules --exclude=./.git --exclude=./cdktf.out --exclude=./.local-run \
  --exclude=./bench/tmp --exclude=./coverage --exclude='./scripts/node/*/node_modules' \
  -cf - . | tar -C "$work" -xf -

step "2/4 swap packages, rewrite imports"
node - "$work" <<'JS'
const fs = require('fs');
const path = require('path');
const work = process.argv[2];
const manifestPath = path.join(work, 'package.json');
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
// Swapped wherever the package is listed: pinned in devDependencies, as a range in
// peerDependencies (what consumers install; a cdktf peer left there would be installed beside cdktn).
const SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies'];
const swap = (from, to, version, peerRange) => {
  const found = SECTIONS.filter((section) => manifest[section] && from in manifest[section]);
  if (found.length === 0) throw new Error(`package.json lists no ${from}`);
  for (const section of found) {
    delete manifest[section][from];
    manifest[section][to] = section === 'peerDependencies' ? peerRange : version;
  }
};
swap('cdktf', 'cdktn', '0.24.0', '^0.24.0');
swap('@cdktf/provider-aws', '@cdktn/provider-aws', '25.7.0', '>=25.7.0 <26.0.0');
swap('cdktf-cli', 'cdktn-cli', '0.24.0', '^0.24.0');
swap('constructs', 'constructs', '10.7.0', '^10.7.0');
manifest.scripts.synth = 'cdktn synth';
fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
fs.rmSync(path.join(work, 'package-lock.json'), { force: true });

// Module specifiers: cdktf -> cdktn, @cdktf/provider-aws -> @cdktn/provider-aws.
const IMPORTS = [
  [/(['"])cdktf(['"/])/g, '$1cdktn$2'],
  [/(['"])@cdktf\/provider-aws(['"/])/g, '$1@cdktn/provider-aws$2'],
];
// AWS provider 6: data.aws_region's `name` is deprecated for `region` (absent on 5.100.0, so
// the main code keeps `name`); the one place that reads it, and the test that spells it out.
// aws_api_gateway_account: provider 6's schema has no `reset_on_delete` (5.x's docs announce
// that a later major version resets on destroy by default). The flag goes, and the tests that
// check it expect it absent.
const REWRITES = {
  'constructs/internal/stack-context.ts': [[/new DataAwsRegion\(stack, REGION_ID\)\)\.name/, 'new DataAwsRegion(stack, REGION_ID)).region']],
  '__tests__/constructs/safe-bucket.test.ts': [[/data\.aws_region\.Region\.name/g, 'data.aws_region.Region.region']],
  'constructs/api-gateway-account.ts': [[/\n\s*resetOnDelete: true,/, '']],
  '__tests__/constructs/api-gateway-account.test.ts': [
    [/data\.aws_region\.Region\.name/g, 'data.aws_region.Region.region'],
    [/expect\(setting\.reset_on_delete\)\.toBe\(true\)/, 'expect(setting.reset_on_delete).toBeUndefined()'],
  ],
  '__tests__/integration/tap-stack.test.ts': [[/expect\.objectContaining\(\{ reset_on_delete: true \}\)/, 'expect.not.objectContaining({ reset_on_delete: expect.anything() })']],
};
let files = 0;
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full);
    } else if (/\.(ts|js|cjs|mjs)$/.test(entry.name)) {
      const before = fs.readFileSync(full, 'utf8');
      let after = before;
      for (const [pattern, replacement] of IMPORTS) after = after.replace(pattern, replacement);
      for (const [pattern, replacement] of REWRITES[path.relative(work, full).split(path.sep).join('/')] ?? []) {
        if (!pattern.test(after)) throw new Error(`${path.relative(work, full)}: expected ${pattern} to rewrite`);
        after = after.replace(pattern, replacement);
      }
      if (after !== before) {
        fs.writeFileSync(full, after);
        files += 1;
      }
    }
  }
};
walk(work);
const leftovers = [];
const scan = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) scan(full);
    } else if (/\.(ts|js|cjs|mjs)$/.test(entry.name) && /['"](cdktf|@cdktf\/provider-aws)['"/]/.test(fs.readFileSync(full, 'utf8'))) {
      leftovers.push(path.relative(work, full));
    }
  }
};
scan(work);
if (leftovers.length > 0) throw new Error(`still importing cdktf: ${leftovers.join(', ')}`);
console.log(`rewrote ${files} files; no cdktf import left`);
JS

step "3/4 install"
(cd "$work" && npm install --no-audit --no-fund --prefer-offline --loglevel=error)

step "4/4 tsc, construct and stack tests, cdktn synth"
cd "$work"
npx tsc --noEmit
npx jest --ci __tests__/constructs __tests__/integration/tap-stack.test.ts
npx cdktn synth
# Every synthesized stack must pin the AWS provider 6.x that @cdktn/provider-aws is generated for.
node - > "$work/aws-version.txt" <<'JS'
const { readdirSync, readFileSync } = require('fs');
const stacks = readdirSync('cdktf.out/stacks');
const pins = stacks.map((stack) => [stack, JSON.parse(readFileSync(`cdktf.out/stacks/${stack}/cdk.tf.json`, 'utf8')).terraform.required_providers.aws.version]);
const wrong = pins.filter(([, version]) => !String(version).startsWith('6.'));
if (stacks.length === 0 || wrong.length > 0) {
  console.error(`check:cdktn: expected every stack to pin hashicorp/aws 6.x, got ${JSON.stringify(pins)}`);
  process.exit(1);
}
console.log(`${pins[0][1]} in ${stacks.join(', ')}`);
JS
aws_version="$(cat "$work/aws-version.txt")"
step "passed: cdktn $(node -p 'require("cdktn/package.json").version'), @cdktn/provider-aws $(node -p 'require("@cdktn/provider-aws/package.json").version') (hashicorp/aws $aws_version)."
echo "Not run: terraform validate/plan of the swapped copy (no hashicorp/aws 6.x provider binary here)."
