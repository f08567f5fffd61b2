import { Testing } from 'cdktf';

// cdktf's jest matchers (toHaveResource, toHaveResourceWithProperties, ...).
Testing.setupJest();

// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node gained in 22.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
