import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export type EgressVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Is this address somewhere a CRM could legitimately be? Only globally routable unicast: never loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unique-local, multicast or reserved space.
 * IPv4-mapped IPv6 is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) {
    return false;
  }
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/**
 * Save-time check of a CRM base URL an admin typed. The WHATWG parser has already normalised decimal, hex, octal and
 * shortened IPv4 forms (http://2130706433/ → 127.0.0.1), so the host is judged in its canonical form.
 */
export function checkCrmUrl(raw: string, options: { allowPrivate: boolean }): EgressVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a URL' };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'must not contain credentials (user@host)' };
  }
  if (url.protocol !== 'https:' && !(options.allowPrivate && url.protocol === 'http:')) {
    return { ok: false, reason: 'must use https' };
  }
  if (url.hash || url.search) {
    return { ok: false, reason: 'must not carry a query or fragment' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (options.allowPrivate) {
    return { ok: true, url };
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) {
    return { ok: false, reason: 'must be a public host' };
  }
  if (ipaddr.isValid(host) && !isPublicAddress(host)) {
    return { ok: false, reason: 'must be a public address' };
  }
  if (!ipaddr.isValid(host) && !host.includes('.')) {
    return { ok: false, reason: 'must be a fully qualified public host name' };
  }
  return { ok: true, url };
}

/**
 * Request-time check: the name must resolve only to public addresses (a DNS record can point a harmless-looking
 * name at 127.0.0.1 or the metadata service after the URL was saved).
 */
export async function checkResolvedHost(hostname: string, options: { allowPrivate: boolean }): Promise<EgressVerdict> {
  const url = new URL(`https://${hostname}/`);
  if (options.allowPrivate) {
    return { ok: true, url };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [host]
    : (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((entry) => entry.address);
  if (addresses.length === 0) {
    return { ok: false, reason: `${hostname} does not resolve` };
  }
  const blocked = addresses.find((address) => !isPublicAddress(address));
  return blocked ? { ok: false, reason: `${hostname} resolves to a non-public address` } : { ok: true, url };
}
