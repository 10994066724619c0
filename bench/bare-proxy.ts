/**
 * The floor a router is measured against: a bare Bun pass-through proxy that forwards every
 * request to `BARE_UPSTREAM` (same path and query, same body, same headers but `host`) and
 * streams the answer back untouched. No parsing, no logging, no translation.
 *
 * With `BARE_JSON=1` it is the JSON floor (`bench/floor.ts`): it also parses and re-serialises
 * every JSON text it passes (the request, a JSON answer, each `data:` line of a stream), which
 * any router that reads what it routes must do at least once. Still no routing, translation,
 * logging or accounting.
 *
 *   BARE_UPSTREAM=http://127.0.0.1:4000 bun bench/bare-proxy.ts   → prints {"port":N}
 */
const upstream = process.env.BARE_UPSTREAM
if (upstream === undefined) {
  process.stderr.write('bare-proxy: set BARE_UPSTREAM to the upstream origin\n')
  process.exit(2)
}

const json = process.env.BARE_JSON === '1'
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
      body: json ? JSON.stringify(JSON.parse(await request.text())) : await request.arrayBuffer(),
      signal: request.signal,
    })
    const forwarded = new Headers(answer.headers)
    for (const name of hopHeaders) forwarded.delete(name)
    forwarded.delete('content-encoding')
    const type = answer.headers.get('content-type') ?? ''
    let body: ReadableStream<Uint8Array> | string | null = answer.body
    if (json && type.includes('text/event-stream') && answer.body !== null)
      body = reserialisedEvents(answer.body)
    else if (json && type.includes('json')) body = JSON.stringify(JSON.parse(await answer.text()))
    return new Response(body, { status: answer.status, headers: forwarded })
  },
})

/** An SSE body with each `data:` line's JSON parsed and written again. */
function reserialisedEvents(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  const again = (line: string) =>
    line.startsWith('data: {') ? `data: ${JSON.stringify(JSON.parse(line.slice(6)))}` : line
  let rest = ''
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n')
        rest = lines.pop() ?? ''
        controller.enqueue(encoder.encode(`${lines.map(again).join('\n')}\n`))
      },
      flush(controller) {
        if (rest !== '') controller.enqueue(encoder.encode(again(rest)))
      },
    }),
  )
}

process.stdout.write(`${JSON.stringify({ port: server.port })}\n`)
process.once('SIGTERM', () => {
  void server.stop(true)
  process.exit(0)
})
