/** The key a client presented, from `x-api-key` or `Authorization: Bearer`. */
export function presentedKeys(headers: Headers): string[] {
  const keys: string[] = []
  const apiKey = headers.get('x-api-key')
  if (apiKey !== null) keys.push(apiKey)
  const authorization = headers.get('authorization')
  if (authorization !== null) {
    const match = /^bearer\s+(.+)$/i.exec(authorization.trim())
    if (match?.[1] !== undefined) keys.push(match[1])
  }
  return keys
}

/**
 * Compares in constant time. Both sides are hashed first, so neither the key's content nor
 * its length leaks through timing.
 */
export function keyMatches(presented: string, expected: string): boolean {
  const hash = (text: string) => new Bun.CryptoHasher('sha256').update(text).digest()
  return crypto.timingSafeEqual(hash(presented), hash(expected))
}

/** True when the request carries the router's APIKEY in either header. */
export function isAuthorized(headers: Headers, apiKey: string): boolean {
  // Claude Code sends both headers when both variables are set; either may hold the key.
  return presentedKeys(headers).some((key) => keyMatches(key, apiKey))
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

export function isLoopbackHost(host: string): boolean {
  return loopbackHosts.has(host) || host.startsWith('127.')
}

/**
 * A browser page must not spend the user's tokens through an unauthenticated router: a
 * request that carries an `Origin` other than a loopback one is refused. Claude Code and SDK
 * clients send no `Origin`.
 */
export function isForeignOrigin(headers: Headers): boolean {
  const origin = headers.get('origin')
  if (origin === null) return false
  // "null" is what sandboxed frames and file:// pages send.
  if (origin === 'null' || !URL.canParse(origin)) return true
  return !isLoopbackHost(new URL(origin).hostname)
}
