/**
 * The floor a router is measured against: a bare Bun pass-through proxy that forwards every
 * request to `BARE_UPSTREAM` (same path and query, same body, same headers but `host`) and
 * streams the answer back untouched. No parsing, no logging, no translation.
 *
 *   BARE_UPSTREAM=http://127.0.0.1:4000 bun bench/bare-proxy.ts   → prints {"port":N}
 */
const upstream = process.env.BARE_UPSTREAM
if (upstream === undefined) {
  process.stderr.write('bare-proxy: set BARE_UPSTREAM to the upstream origin\n')
  process.exit(2)
}

const hopHeaders = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.BARE_PORT ?? 0),
  idleTimeout: 0,
  async fetch(request) {
    const url = new URL(request.url)
    const headers = new Headers(request.headers)
    for (const name of hopHeaders) headers.delete(name)
    const answer = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body: await request.arrayBuffer(),
      signal: request.signal,
    })
    const forwarded = new Headers(answer.headers)
    for (const name of hopHeaders) forwarded.delete(name)
    forwarded.delete('content-encoding')
    return new Response(answer.body, { status: answer.status, headers: forwarded })
  },
})

process.stdout.write(`${JSON.stringify({ port: server.port })}\n`)
process.once('SIGTERM', () => {
  void server.stop(true)
  process.exit(0)
})
