import { App } from 'cdktf';
import { BOOTSTRAP_STACK_ID, ENVIRONMENTS, EnvironmentConfig, MANAGED_BY, PROJECT, STATE_BUCKET, defaultTagsOf } from './config/environments';
import { assertValidEnvironments } from './config/environment-rules';
import {
  BACKEND_CONTEXT_KEY,
  BackendChoice,
  ENVIRONMENTS_CONTEXT_KEY,
  requestedBackend,
  requestedEnvironments,
  selectEnvironments,
} from './config/selection';
import { StateBootstrapStack } from './stacks/state-bootstrap-stack';
import { TapStack } from './stacks/tap-stack';

export interface BuildOptions {
  /**
   * Names of the environments to build.
   * @default `TAPSTACK_ENVIRONMENTS`, else the `environments` context value, else all
   */
  readonly environments?: readonly string[];
  /**
   * `local` puts every stack's state in a local file (quick start).
   * @default `TAPSTACK_BACKEND`, else the `backend` context value, else each environment's backend
   */
  readonly backend?: BackendChoice;
}

/** The TapStack of one environment. */
export function environmentStack(app: App, environment: EnvironmentConfig, backend: BackendChoice = 'configured'): TapStack {
  return new TapStack(app, environment.namePrefix, {
    region: environment.region,
    allowedAccountIds: [environment.accountId],
    defaultTags: defaultTagsOf(environment),
    lambdaConcurrency: { accountQuota: environment.lambdaConcurrencyQuota },
    tableDeletionProtection: environment.tableDeletionProtection,
    manageApiGatewayAccount: environment.manageApiGatewayAccount,
    backend: backend === 'local' ? { type: 'local' } : environment.backend,
    alarms: environment.alarms,
  });
}

/** The app `cdktf synth` runs: the state bootstrap stack, then one TapStack per selected environment. */
export function buildApp(app: App = new App(), options: BuildOptions = {}): App {
  // Every environment is checked, selected or not: collisions span them all.
  assertValidEnvironments(ENVIRONMENTS, STATE_BUCKET);
  const environments = selectEnvironments(ENVIRONMENTS, options.environments ?? requestedEnvironments(process.env, app.node.tryGetContext(ENVIRONMENTS_CONTEXT_KEY)));
  const backend = options.backend ?? requestedBackend(process.env, app.node.tryGetContext(BACKEND_CONTEXT_KEY));
  new StateBootstrapStack(app, BOOTSTRAP_STACK_ID, {
    ...STATE_BUCKET,
    defaultTags: { project: PROJECT, environment: 'shared', 'managed-by': MANAGED_BY },
  });
  for (const environment of environments) environmentStack(app, environment, backend);
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
