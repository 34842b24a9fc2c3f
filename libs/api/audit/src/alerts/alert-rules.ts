import type { SequencedEvent } from '../audit.repository.js';

/**
 * Alert rules over the sequenced event stream. A burst rule fires when at least `threshold` matching events of
 * one subject fall within `windowMs` before an event; at most one alert per rule, subject and window bucket.
 */
export interface BurstRule {
  readonly kind: 'burst';
  readonly name: string;
  readonly description: string;
  readonly threshold: number;
  readonly windowMs: number;
  /** Which events count, and the subject they count against (null: the event does not count). */
  readonly match: (e: SequencedEvent) => { subject: string; where: BurstWhere } | null;
}

export interface BurstWhere {
  actions: string[];
  outcome?: string;
  actorId?: string;
  apiKeyId?: string;
  ip?: string;
}

/** Fires when an API key acts from a network (IPv4 /24, IPv6 /48) it was never seen acting from. */
export interface NewNetworkRule {
  readonly kind: 'new_network';
  readonly name: string;
  readonly description: string;
}

export type AlertRule = BurstRule | NewNetworkRule;

export const DOWNLOAD_ACTIONS = ['artifact.download', 'model_version.download'];

export const ALERT_RULES: readonly AlertRule[] = [
  {
    kind: 'burst',
    name: 'failed_login_account',
    description: '5 or more failed logins for one account within 5 minutes',
    threshold: 5,
    windowMs: 5 * 60_000,
    match: (e) =>
      e.action === 'auth.login' && e.outcome === 'denied' && e.actorId
        ? {
            subject: `user:${e.actorId}`,
            where: { actions: ['auth.login'], outcome: 'denied', actorId: e.actorId },
          }
        : null,
  },
  {
    kind: 'burst',
    name: 'failed_login_ip',
    description: '10 or more failed logins from one IP address within 5 minutes',
    threshold: 10,
    windowMs: 5 * 60_000,
    match: (e) =>
      e.action === 'auth.login' && e.outcome === 'denied' && e.ip
        ? { subject: `ip:${e.ip}`, where: { actions: ['auth.login'], outcome: 'denied', ip: e.ip } }
        : null,
  },
  {
    kind: 'burst',
    name: 'denied_access_burst',
    description: '10 or more denied authorizations for one principal within 5 minutes',
    threshold: 10,
    windowMs: 5 * 60_000,
    match: (e) => {
      if (e.action !== 'authz.denied') return null;
      if (e.apiKeyId) {
        return {
          subject: `api_key:${e.apiKeyId}`,
          where: { actions: ['authz.denied'], apiKeyId: e.apiKeyId },
        };
      }
      if (e.actorId) {
        return { subject: `user:${e.actorId}`, where: { actions: ['authz.denied'], actorId: e.actorId } };
      }
      return null;
    },
  },
  {
    kind: 'burst',
    name: 'download_spike',
    description: '50 or more downloads by one principal within 10 minutes',
    threshold: 50,
    windowMs: 10 * 60_000,
    match: (e) => {
      if (!DOWNLOAD_ACTIONS.includes(e.action) || e.outcome !== 'success') return null;
      if (e.apiKeyId) {
        return {
          subject: `api_key:${e.apiKeyId}`,
          where: { actions: DOWNLOAD_ACTIONS, outcome: 'success', apiKeyId: e.apiKeyId },
        };
      }
      if (e.actorId) {
        return {
          subject: `user:${e.actorId}`,
          where: { actions: DOWNLOAD_ACTIONS, outcome: 'success', actorId: e.actorId },
        };
      }
      return null;
    },
  },
  {
    kind: 'new_network',
    name: 'api_key_new_network',
    description: 'an API key used from a network (IPv4 /24, IPv6 /48) it was never used from before',
  },
];

/** IPv4 /24 or IPv6 /48 prefix of an address; null when it is not an IP address. */
export function networkOf(ip: string): string | null {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) return null;
    return `${octets[0]}.${octets[1]}.${octets[2]}.0/24`;
  }
  if (!ip.includes(':') || !/^[0-9a-f:]+$/i.test(ip)) return null;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (!ip.includes('::') && missing !== 0)) return null;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => parseInt(g || '0', 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g > 0xffff)) return null;
  return `${groups
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(':')}::/48`;
}
