#!/usr/bin/env node
// The guard-check command (constructs/cli/guard-check.ts). From the packed
// package it runs the compiled dist/; in a clone of the repository, where
// the TypeScript source sits beside it, it runs that source through tsx, so
// `npx guard-check` never runs a dist/ left over from an older build.
'use strict';
const { existsSync } = require('fs');
const { join } = require('path');

const source = join(__dirname, '..', 'constructs', 'cli', 'guard-check.ts');
if (existsSync(source)) {
  require('tsx/cjs');
  require(source).main();
} else {
  require(join(__dirname, '..', 'dist', 'cli', 'guard-check.js')).main();
}
