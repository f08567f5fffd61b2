// Removes the run's temp folder (global-setup.cjs) with everything the tests left in it.
const { rmSync } = require('fs');

module.exports = async function removeRunTempFolder() {
  const runFolder = process.env.GUARDED_JEST_TMPDIR;
  if (runFolder) rmSync(runFolder, { recursive: true, force: true });
};
