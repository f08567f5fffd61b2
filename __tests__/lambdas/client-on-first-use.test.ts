import { clientOnFirstUse } from '../../lambdas/shared/client-on-first-use';

describe('clientOnFirstUse', () => {
  it('builds nothing until the first call, then one client for every call, concurrent ones included', async () => {
    let builds = 0;
    const client = clientOnFirstUse(async () => ({ id: ++builds }));
    expect(builds).toBe(0);
    const [first, second] = await Promise.all([client(), client()]);
    expect(await client()).toBe(first);
    expect(second).toBe(first);
    expect(builds).toBe(1);
  });

  it('tries again on the next call after a build fails, and the failing call gets the error', async () => {
    let attempts = 0;
    const client = clientOnFirstUse(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('module not found');
      return { attempt: attempts };
    });
    await expect(client()).rejects.toThrow('module not found');
    await expect(client()).resolves.toEqual({ attempt: 2 });
    await expect(client()).resolves.toEqual({ attempt: 2 });
  });
});
