import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { ENVIRONMENTS } from '../../config/environments';

// The GitHub Actions workflows users copy (.github/workflows), checked by action-validator
// (the workflow schema GitHub publishes) and read for what docs/operations.md ("CI pipeline to copy") promises they do.
const WORKFLOWS_DIR = join(__dirname, '..', '..', '.github', 'workflows');
const VALIDATOR = require.resolve('@action-validator/cli/cli.mjs');

function validate(file: string) {
  return spawnSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8' });
}

function workflow(name: string): any {
  return parse(readFileSync(join(WORKFLOWS_DIR, name), 'utf8'));
}

type Step = { uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> };
const steps = (job: { steps: Step[] }): Step[] => job.steps;
const runs = (job: { steps: Step[] }): string => steps(job).map((step) => step.run ?? '').join('\n');

describe('.github/workflows', () => {
  it('holds the pull-request and deploy workflows, each valid against the workflow schema', () => {
    const files = readdirSync(WORKFLOWS_DIR).sort();
    expect(files).toEqual(['deploy.yml', 'pull-request.yml']);
    for (const file of files) {
      const result = validate(join(WORKFLOWS_DIR, file));
      expect({ file, status: result.status, errors: result.stdout + result.stderr }).toEqual({ file, status: 0, errors: '' });
    }
  });

  it('uses a validator that rejects an invalid workflow (so the check above can fail)', () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'workflow-')), 'broken.yml');
    writeFileSync(broken, 'name: broken\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    stepz: []\n');
    const result = validate(broken);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("Additional property 'stepz' is not allowed");
  });

  it('on a pull request: installs from the lockfile, runs the test command, then synthesizes and plans each environment', () => {
    const pr = workflow('pull-request.yml');
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect(runs(pr.jobs.test)).toMatch(/^npm ci$/m);
    expect(runs(pr.jobs.test)).toMatch(/^npm test$/m);
    const plan = pr.jobs.plan;
    expect(plan.needs).toBe('test');
    expect(plan.strategy.matrix.environment).toEqual(ENVIRONMENTS.map((environment) => environment.name));
    expect(runs(plan)).toMatch(/^npx cdktf synth$/m);
    expect(runs(plan)).toMatch(/^terraform plan /m);
  });

  it('on main: deploys dev, then prod behind the prod environment protection', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on).toEqual({ push: { branches: ['main'] } });
    expect(deploy.concurrency['cancel-in-progress']).toBe(false);
    expect(deploy.jobs.dev.environment).toBe('dev');
    expect(runs(deploy.jobs.dev)).toMatch(/^npx cdktf deploy tapstack-dev --auto-approve$/m);
    expect(deploy.jobs.prod.needs).toBe('dev');
    expect(deploy.jobs.prod.environment).toBe('prod');
    expect(runs(deploy.jobs.prod)).toMatch(/^npx cdktf deploy tapstack-prod --auto-approve$/m);
  });

  it('gets AWS credentials only through GitHub OIDC: no stored keys, id-token only where AWS is called', () => {
    for (const name of ['pull-request.yml', 'deploy.yml']) {
      const text = readFileSync(join(WORKFLOWS_DIR, name), 'utf8');
      expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|secrets\./);
      const parsed = workflow(name);
      expect(parsed.permissions).toEqual({ contents: 'read' });
      for (const [jobName, job] of Object.entries<any>(parsed.jobs)) {
        const assumes = steps(job).find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
        if (assumes) {
          expect({ jobName, permissions: job.permissions }).toEqual({ jobName, permissions: { contents: 'read', 'id-token': 'write' } });
          expect(assumes.with?.['role-to-assume']).toMatch(/^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
        } else {
          expect({ jobName, permissions: job.permissions }).toEqual({ jobName, permissions: undefined });
        }
      }
    }
  });
});
