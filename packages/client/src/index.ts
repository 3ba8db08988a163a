export * from './api.js';

import * as client from './api.js';
/**
 * The whole API as one object, so that `import client from '@vigil/client'` works as it does with
 * prom-client (whose CommonJS exports ES modules see as a default export). This default export exists for
 * that compatibility only; use the named exports in new code.
 */
export default client;
