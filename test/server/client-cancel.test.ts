import { expect, test } from 'bun:test'
import { testRouter, waitFor } from '../helpers.ts'

/**
 * A client that goes away is not a failure of ccr: pressing Esc in Claude Code while a slow
 * model has not answered yet is the common case. Its row says the client closed (not a 500),
 * the provider's call is abandoned, and nothing is logged as an error.
 */

const request = JSON.stringify({
  model: 'claude-opus-5-5',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
})

test('a client that cancels before the answer starts leaves a client_closed row, not an error', async () => {
  // A provider that never answers, and tells when its caller gives up.
  const abandoned = Promise.withResolvers<void>()
  let called = false
  using slow = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    fetch(incoming) {
      called = true
      incoming.signal.addEventListener('abort', () => abandoned.resolve())
      return new Promise<Response>(() => {})
    },
  })
  await using router = testRouter({
    Providers: [
      { name: 'slow', api_base_url: `http://127.0.0.1:${slow.port}/v1/messages`, models: ['a'] },
    ],
    Router: { default: 'slow,a' },
  })
  const client = new AbortController()
  const answer = fetch(`${router.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: request,
    signal: client.signal,
  })
  await waitFor(() => (called ? true : undefined), 'the call to the provider')
  client.abort()
  await expect(answer).rejects.toThrow()
  await abandoned.promise

  const row = await waitFor(
    () =>
      (router.store.query('SELECT * FROM requests').get() ?? undefined) as
        Record<string, unknown> | undefined,
    'the ledger row',
  )
  expect(row).toMatchObject({ status: 499, error_type: 'client_closed', complete: 0 })
  expect(JSON.parse(String(row.attempts))).toEqual(['slow,a client_closed'])
  await waitFor(
    () => router.records.find((record) => record.msg === 'client closed the connection'),
    'the log line',
  )
  expect(router.records.filter((record) => record.level === 'error')).toEqual([])
  expect(router.records.filter((record) => record.level === 'warn')).toEqual([])
})

test('a client that hangs up in the middle of its request body is logged as that, not as an error', async () => {
  await using router = testRouter({
    Providers: [{ name: 'p', api_base_url: 'http://127.0.0.1:9/v1/messages', models: ['a'] }],
    Router: { default: 'p,a' },
  })
  const { port } = new URL(router.url)
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port: Number(port),
    socket: { data() {} },
  })
  socket.write(
    `POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
      `content-length: ${request.length}\r\n\r\n${request.slice(0, 20)}`,
  )
  socket.flush()
  await Bun.sleep(100)
  socket.end()
  await waitFor(
    () => router.records.find((record) => record.msg === 'client closed the connection'),
    'the log line',
  )
  expect(router.records.filter((record) => record.level === 'error')).toEqual([])
  // The router goes on serving.
  const health = await fetch(`${router.url}/health`)
  expect(health.status).toBe(200)
})
