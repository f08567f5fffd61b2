/**
 * The app-synth floor: what cdktf.json's app costs before this project adds anything, one
 * node process that loads cdktf and synthesizes an empty stack. The bench runs it with the
 * same command and preload as main.ts, and through the cdktf CLI for the `cdktf synth` floor.
 */
import { App, TerraformStack } from 'cdktf';

const app = new App();
new TerraformStack(app, 'floor');
app.synth();
