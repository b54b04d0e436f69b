import { checkCrmUrl, checkResolvedHost, isPublicAddress } from './egress-guard';

const strict = { allowPrivate: false };

describe('checkCrmUrl (SSRF corpus)', () => {
  it.each([
    'https://127.0.0.1/',
    'https://localhost/',
    'https://api.localhost/',
    'https://10.0.0.5/',
    'https://10.255.255.255/',
    'https://172.16.0.1/',
    'https://172.31.255.254/',
    'https://192.168.1.1/',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[fd00::1]/',
    'https://[fe80::1]/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
    'https://127.1/',
    'https://0xA9FEA9FE/',
    'https://user@salesforce.example.com/',
    'https://evil.com:pass@127.0.0.1/',
    'https://salesforce.com@127.0.0.1/',
    'http://acme.my.salesforce.com/',
    'https://intranet/',
    'https://crm.internal/',
    'ftp://acme.zendesk.com/',
    'https://acme.zendesk.com/#.evil',
    'not a url',
  ])('rejects %s', (url) => {
    expect(checkCrmUrl(url, strict)).toMatchObject({ ok: false });
  });

  it.each([
    'https://acme.my.salesforce.com',
    'https://api.hubapi.com/',
    'https://acme.zendesk.com',
    'https://www.zohoapis.eu',
  ])('accepts %s', (url) => {
    expect(checkCrmUrl(url, strict)).toMatchObject({ ok: true });
  });

  it('accepts loopback http only when private hosts are allowed (sandboxes, the embedded demo)', () => {
    expect(checkCrmUrl('http://127.0.0.1:4101', { allowPrivate: true })).toMatchObject({ ok: true });
    expect(checkCrmUrl('http://user@127.0.0.1:4101', { allowPrivate: true })).toMatchObject({ ok: false });
  });
});

describe('isPublicAddress', () => {
  it('allows global unicast only', () => {
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('2001:4860:4860::8888')).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.1',
      '169.254.169.254',
      '::1',
      '::ffff:10.0.0.1',
      'fc00::1',
      'nonsense',
    ]) {
      expect(isPublicAddress(address)).toBe(false);
    }
  });
});

describe('checkResolvedHost', () => {
  it('refuses a name that resolves to loopback', async () => {
    await expect(checkResolvedHost('localhost', strict)).resolves.toMatchObject({ ok: false });
    await expect(checkResolvedHost('127.0.0.1', strict)).resolves.toMatchObject({ ok: false });
  });
});
