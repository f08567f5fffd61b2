import { readdirSync } from 'fs';
import { join } from 'path';
import { App, Testing } from 'cdktf';
import { assertTerraformAvailable, initValidateAndPlan, synthToTempDir } from '../helpers/terraform';

// Each example app (examples/<construct>/main.ts), synthesized and planned offline with the real provider.
// (The provider asks AWS to validate a state machine definition at plan when it is fully known, which an
// offline plan cannot answer; the examples' definitions reference functions, so that check runs at apply.)
jest.setTimeout(300_000);

const EXAMPLES_DIR = join(__dirname, '..', '..', 'examples');
const EXAMPLES = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

beforeAll(() => assertTerraformAvailable());

it('has one example per guard construct', () => {
  expect(EXAMPLES.sort()).toEqual(['consistent-table', 'logged-state-machine', 'safe-bucket', 'unreserved-function']);
});

describe.each(EXAMPLES)('examples/%s', (name) => {
  it('synthesizes, validates and plans offline', async () => {
    const { buildExample } = (await import(join(EXAMPLES_DIR, name, 'main.ts'))) as { buildExample: (app: App) => App };
    const app = buildExample(Testing.app());
    const stacks = app.node.children.filter((child) => child.node.id.endsWith('-example'));
    expect(stacks).toHaveLength(1);
    const result = initValidateAndPlan(synthToTempDir(stacks[0] as never));
    expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(result.ok).toBe(true);
  });
});
