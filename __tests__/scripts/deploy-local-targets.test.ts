import { BOOTSTRAP_STACK_ID, ENVIRONMENTS, STATE_BUCKET } from '../../config/environments';
import { UsageError, deployTargets, emulatedAccounts, parseDeployLocalArgs, synthEnvironments } from '../../local/moto/targets';

/**
 * What `npm run deploy:local` deploys, and as which account: `dev` by default, `--env NAME`, or
 * `--all`. (The deploy itself, of `dev`, is in __tests__/deploy/deploy-cycle.test.ts.)
 */
describe('parseDeployLocalArgs', () => {
  it('deploys dev, to an emulator on a free port, when given nothing', () => {
    expect(parseDeployLocalArgs([])).toEqual({ all: false, environment: 'dev', port: 0 });
  });

  it('reads --env NAME, --all and --port N', () => {
    expect(parseDeployLocalArgs(['--env', 'prod', '--port', '4566'])).toEqual({ all: false, environment: 'prod', port: 4566 });
    expect(parseDeployLocalArgs(['--all'])).toMatchObject({ all: true });
  });

  it.each([
    [['--env', 'staging'], 'No environment "staging" in config/environments.ts; known: dev, prod.'],
    [['--env'], '--env needs a value.'],
    [['--port', '70000'], '--port must be a port number from 0 to 65535, got 70000.'],
    [['--port', '-1'], '--port must be a port number from 0 to 65535, got -1.'],
    [['--all', '--env', 'dev'], '--all deploys every environment: pass --all or --env, not both.'],
    [['--stack', 'x'], 'Unknown argument "--stack".'],
  ])('refuses %j, saying what to pass', (argv, message) => {
    expect(() => parseDeployLocalArgs(argv)).toThrow(UsageError);
    expect(() => parseDeployLocalArgs(argv)).toThrow(message);
  });
});

describe('deployTargets', () => {
  it("deploys one environment's stack to the account and region it pins", () => {
    const prod = ENVIRONMENTS.find((e) => e.name === 'prod')!;
    expect(deployTargets({ all: false, environment: 'prod' })).toEqual([{ stackId: prod.namePrefix, environment: 'prod', accountId: prod.accountId, region: prod.region }]);
    expect(synthEnvironments({ all: false, environment: 'prod' })).toBe('prod');
  });

  it('deploys every stack of the app with --all: the bootstrap stack in the state account, then each environment', () => {
    const targets = deployTargets({ all: true, environment: 'dev' });
    expect(targets).toEqual([
      { stackId: BOOTSTRAP_STACK_ID, accountId: STATE_BUCKET.accountId, region: STATE_BUCKET.region },
      ...ENVIRONMENTS.map((e) => ({ stackId: e.namePrefix, environment: e.name, accountId: e.accountId, region: e.region })),
    ]);
    // One emulator per account: each answers as the account its stacks pin.
    expect(emulatedAccounts(targets)).toEqual([...new Set([STATE_BUCKET.accountId, ...ENVIRONMENTS.map((e) => e.accountId)])]);
    expect(synthEnvironments({ all: true, environment: 'dev' })).toBeUndefined();
  });
});
