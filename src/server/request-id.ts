/** A caller's `x-request-id` is kept when it is a sane token; otherwise ccr makes one. */
export function requestIdFrom(headers: Headers): string {
  const incoming = headers.get('x-request-id')
  if (incoming !== null && /^[\w.:@/+=-]{1,128}$/.test(incoming)) return incoming
  return `req_${Bun.randomUUIDv7().replaceAll('-', '')}`
}
