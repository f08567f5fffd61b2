import { Testing } from 'cdktf';
// aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22); polyfilled on Node 20.
import '../local/promise-with-resolvers';

// cdktf's jest matchers (toHaveResource, toHaveResourceWithProperties, ...).
Testing.setupJest();
