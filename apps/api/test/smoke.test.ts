import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApp, errorCode } from './support/harness.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves health and answers me for an API key', async () => {
    expect((await t.http('GET', '/healthz')).status).toBe(200);
    expect((await t.http('GET', '/readyz')).status).toBe(200);
    const tenant = await t.tenant({ withMembers: false });
    const me = await t.ok<{ me: { role: string; tenant: { slug: string }; principalKind: string } }>(
      '{ me { role principalKind tenant { slug } } }',
      {},
      { token: tenant.owner.apiKey },
    );
    expect(me.me).toEqual({ role: 'OWNER', principalKind: 'API_KEY', tenant: { slug: tenant.slug } });
    const anon = await t.gql('{ me { role } }');
    expect(errorCode(anon)).toBe('UNAUTHENTICATED');
  });
});
