// npm test's first step: on a Node older than the project's floor, say how to run it on the
// pinned Node 22 instead of failing later with an obscure error.
const FLOOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < FLOOR) {
  console.error(
    `This project needs Node >= ${FLOOR}; this is ${process.version}.\n` +
      `Run the same command with the pinned official Node ${FLOOR} binary (installed from the npm registry on first use):\n` +
      `  scripts/with-node.sh ${FLOOR} npm test`,
  );
  process.exit(1);
}
