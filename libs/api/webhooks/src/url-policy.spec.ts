import { describe, expect, it } from 'vitest';
import { addressRefusal, parseWebhookUrl, resolveWebhookTarget, WebhookUrlError } from './url-policy.js';

const strict = { allowPrivateNetworks: false, allowHttp: false };
const lax = { allowPrivateNetworks: true, allowHttp: true };

describe('addressRefusal', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.1.1',
    '100.64.0.1',
    '198.18.0.1',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:8.8.8.8',
    '64:ff9b::7f00:1',
    '2002:7f00:1::1',
  ])('refuses %s unless private networks are allowed', (ip) => {
    expect(addressRefusal(ip, strict)).toMatch(/loopback, private|reserved/);
  });

  it.each(['169.254.169.254', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::', 'ff02::1', 'fd00:ec2::254'])(
    'always refuses %s (metadata, unspecified, multicast)',
    (ip) => {
      expect(addressRefusal(ip, lax)).toBe('a reserved or metadata address');
    },
  );

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111'])(
    'allows public %s',
    (ip) => {
      expect(addressRefusal(ip, strict)).toBeNull();
    },
  );

  it('allows loopback and private ranges when configured (development and tests)', () => {
    expect(addressRefusal('127.0.0.1', lax)).toBeNull();
    expect(addressRefusal('10.0.0.1', lax)).toBeNull();
  });
});

describe('parseWebhookUrl', () => {
  it('requires https unless http is allowed, and refuses credentials, fragments and other schemes', () => {
    expect(parseWebhookUrl('https://hooks.example.com/a?b=1', strict).href).toBe(
      'https://hooks.example.com/a?b=1',
    );
    expect(() => parseWebhookUrl('http://hooks.example.com/', strict)).toThrow(/https/);
    expect(parseWebhookUrl('http://hooks.example.com/', lax).protocol).toBe('http:');
    for (const bad of [
      'ftp://x/',
      'file:///etc/passwd',
      'gopher://x/',
      'https://u:p@x/',
      'https://x/#frag',
      'nope',
    ]) {
      expect(() => parseWebhookUrl(bad, lax)).toThrow(WebhookUrlError);
    }
  });
});

describe('resolveWebhookTarget', () => {
  const dns = (answers: Record<string, string[]>) => (host: string) => {
    const list = answers[host];
    if (!list) return Promise.reject(new Error('ENOTFOUND'));
    return Promise.resolve(list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

  it('pins the checked address', async () => {
    const target = await resolveWebhookTarget(
      'https://hooks.example.com/x',
      strict,
      dns({ 'hooks.example.com': ['93.184.216.34'] }),
    );
    expect(target).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(target.url.hostname).toBe('hooks.example.com');
  });

  it('refuses a name with any internal address (DNS tricks), unknown names, and internal literals', async () => {
    await expect(
      resolveWebhookTarget(
        'https://evil.example/x',
        strict,
        dns({ 'evil.example': ['93.184.216.34', '127.0.0.1'] }),
      ),
    ).rejects.toThrow(/not allowed/);
    await expect(resolveWebhookTarget('https://nowhere.example/x', strict, dns({}))).rejects.toThrow(
      /could not resolve/,
    );
    await expect(resolveWebhookTarget('https://[::1]:8443/x', strict, dns({}))).rejects.toThrow(
      /not allowed/,
    );
    await expect(resolveWebhookTarget('https://10.0.0.5/x', strict, dns({}))).rejects.toThrow(/not allowed/);
    await expect(resolveWebhookTarget('https://169.254.169.254/x', lax, dns({}))).rejects.toThrow(/metadata/);
  });
});
