// One temp folder per jest run: every test, and every process it starts (terraform, moto, the cdktf
// CLI, npm scripts), makes its temp folders inside it through os.tmpdir(), which reads TMPDIR;
// global-teardown.cjs removes the whole folder when the run ends, whatever a test left behind.
const { mkdtempSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');

module.exports = async function createRunTempFolder() {
  const runFolder = mkdtempSync(join(tmpdir(), 'guarded-jest-'));
  process.env.GUARDED_JEST_TMPDIR = runFolder;
  process.env.TMPDIR = runFolder;
};
