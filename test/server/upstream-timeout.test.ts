import { afterAll, expect, test } from 'bun:test'
import {
  anthropicAnswer,
  baseEnv,
  fakeUpstream,
  freePort,
  healthOf,
  mainEntry,
  routerHomes,
  testRouter,
  waitFor,
} from '../helpers.ts'

const ask = (url: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'claude-opus-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  })

test('a provider silent past API_TIMEOUT_MS hands the request on; with none left, a 504 names it', async () => {
  using silent = fakeUpstream(() => new Promise<Response>(() => {}))
  using backup = fakeUpstream(() => anthropicAnswer('from the backup'))
  const providers = [
    { name: 'slow', api_base_url: `${silent.url}/v1/messages`, models: ['a'] },
    { name: 'fast', api_base_url: `${backup.url}/v1/messages`, models: ['b'] },
  ]

  await using both = testRouter({
    API_TIMEOUT_MS: 300,
    Providers: providers,
    Router: { default: ['slow,a', 'fast,b'] },
  })
  const served = await ask(both.url)
  expect(served.status).toBe(200)
  expect(((await served.json()) as { content: unknown }).content).toEqual([
    { type: 'text', text: 'from the backup' },
  ])
  expect(served.headers.get('x-ccr-provider')).toBe('fast')
  expect(served.headers.get('x-ccr-attempts')).toStartWith('slow,a ')

  await using alone = testRouter({
    API_TIMEOUT_MS: 300,
    Providers: providers,
    Router: { default: 'slow,a' },
  })
  const failed = await ask(alone.url)
  expect(failed.status).toBe(504)
  const body = (await failed.json()) as { type: string; error: { type: string; message: string } }
  expect(body.type).toBe('error')
  expect(body.error.message).toContain('Provider "slow" did not answer within 300 ms')
})

test('an answer that comes after the timeout is not kept: its stream is cancelled', async () => {
  const cancelled = Promise.withResolvers<void>()
  let pulls = 0
  // A stream that keeps talking every 100 ms until someone cancels it.
  const talking = () =>
    new Response(
      new ReadableStream({
        async pull(controller) {
          await Bun.sleep(100)
          pulls++
          controller.enqueue(new TextEncoder().encode(': still here\n\n'))
        },
        cancel() {
          cancelled.resolve()
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    )
  using late = fakeUpstream(async () => {
    await Bun.sleep(600)
    return talking()
  })
  await using router = testRouter({
    API_TIMEOUT_MS: 300,
    Providers: [{ name: 'late', api_base_url: `${late.url}/v1/messages`, models: ['a'] }],
    Router: { default: 'late,a' },
  })
  expect((await ask(router.url)).status).toBe(504)
  // ccr cancels it as it comes; were that missed, Bun's idle timer would end the unread body
  // about API_TIMEOUT_MS later (here within a second; by default, after ten minutes).
  await cancelled.promise
  expect(pulls).toBeGreaterThan(0)
})

const homes = routerHomes()
afterAll(() => homes.cleanUp())

// Bun's fetch gives up on a connection silent for BUN_CONFIG_HTTP_IDLE_TIMEOUT (5 minutes by
// default, checked every few seconds: at 1 s it fires after ~8 s). A provider slower than that
// but within API_TIMEOUT_MS must still be waited for.
test("Bun's own idle limit does not cut a provider that API_TIMEOUT_MS still waits for", async () => {
  using slow = fakeUpstream(async () => {
    await Bun.sleep(9_500)
    return anthropicAnswer('worth the wait')
  })
  const port = freePort()
  const { home } = homes.create({
    PORT: port,
    API_TIMEOUT_MS: 60_000,
    Providers: [{ name: 'slow', api_base_url: `${slow.url}/v1/messages`, models: ['a'] }],
    Router: { default: 'slow,a' },
  })
  const server = Bun.spawn([process.execPath, mainEntry, 'start'], {
    env: baseEnv({ CCR_HOME: home, BUN_CONFIG_HTTP_IDLE_TIMEOUT: '1' }),
    stdout: 'ignore',
    stderr: 'pipe',
  })
  try {
    const url = `http://127.0.0.1:${port}`
    await waitFor(() => healthOf(url), 'the router')
    const response = await ask(url)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { content: unknown }).content).toEqual([
      { type: 'text', text: 'worth the wait' },
    ])
  } finally {
    server.kill('SIGTERM')
    await server.exited
  }
}, 30_000)
