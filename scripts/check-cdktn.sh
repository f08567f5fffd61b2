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
const swap = (section, from, to, version) => {
  if (!manifest[section] || !(from in manifest[section])) throw new Error(`package.json ${section} has no ${from}`);
  delete manifest[section][from];
  manifest[section][to] = version;
};
swap('dependencies', 'cdktf', 'cdktn', '0.24.0');
swap('dependencies', '@cdktf/provider-aws', '@cdktn/provider-aws', '25.7.0');
swap('devDependencies', 'cdktf-cli', 'cdktn-cli', '0.24.0');
manifest.dependencies.constructs = '10.7.0';
manifest.scripts.synth = 'cdktn synth';
fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
fs.rmSync(path.join(work, 'package-lock.json'), { force: true });

// Module specifiers: cdktf -> cdktn, @cdktf/provider-aws -> @cdktn/provider-aws.
const IMPORTS = [
  [/(['"])cdktf(['"/])/g, '$1cdktn$2'],
  [/(['"])@cdktf\/provider-aws\//g, '$1@cdktn/provider-aws/'],
];
// AWS provider 6: data.aws_region's `name` is deprecated for `region` (absent on 5.100.0, so
// the main code keeps `name`); the one place that reads it, and the test that spells it out.
const REWRITES = {
  'constructs/internal/stack-context.ts': [[/new DataAwsRegion\(stack, REGION_ID\)\)\.name/, 'new DataAwsRegion(stack, REGION_ID)).region']],
  '__tests__/constructs/safe-bucket.test.ts': [[/data\.aws_region\.Region\.name/g, 'data.aws_region.Region.region']],
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
# The synthesized stack must pin the AWS provider 6.x that @cdktn/provider-aws is generated for.
aws_version="$(node -p 'require("./cdktf.out/stacks/TapStack/cdk.tf.json").terraform.required_providers.aws.version')"
case "$aws_version" in
  6.*) ;;
  *) echo "check:cdktn: the synthesized stack pins hashicorp/aws $aws_version, expected 6.x" >&2; exit 1 ;;
esac
step "passed: cdktn $(node -p 'require("cdktn/package.json").version'), @cdktn/provider-aws $(node -p 'require("@cdktn/provider-aws/package.json").version') (hashicorp/aws $aws_version)."
echo "Not run: terraform validate/plan of the swapped copy (no hashicorp/aws 6.x provider binary here)."
