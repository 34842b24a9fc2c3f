import { SESSION_COOKIE } from '@arca/api-core';

/** Response-header setter from the GraphQL context (`headers`); resolvers stay adapter-agnostic. */
export interface CookieReply {
  header(name: string, value: string): unknown;
}

/** `__Host-` prefix: Secure, Path=/, no Domain — the cookie cannot be set or read by sibling hosts. */
export function setSessionCookie(reply: CookieReply, token: string, maxAgeSeconds: number): void {
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`,
  );
}

export function clearSessionCookie(reply: CookieReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`);
}
