import { forbidden } from '../errors/domain-error.js';
import type { ArcaRequest } from './access.decorators.js';
import { header } from './request-info.js';

/**
 * Cookie-authenticated requests must come from our own origin. Browsers send Fetch Metadata on every request;
 * a cross-site or same-site (sibling subdomain) request carrying the session cookie is refused. Apollo's CSRF
 * prevention additionally rejects "simple" requests that would skip the CORS preflight.
 */
export function checkBrowserOrigin(req: ArcaRequest): void {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw forbidden('cross-site request refused');
  }
  const origin = header(req, 'origin');
  const host = header(req, 'host');
  if (origin !== undefined && host !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw forbidden('cross-site request refused');
    }
    if (originHost !== host) throw forbidden('cross-site request refused');
  }
}
