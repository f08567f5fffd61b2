import { App } from 'cdktf';
import { TapStack } from './stacks/tap-stack';

/** The app `cdktf synth` runs. */
export function buildApp(app: App = new App()): App {
  new TapStack(app, 'TapStack');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
