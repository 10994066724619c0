import { describe, expect, test } from 'bun:test'
import { fakeUpstream, testRouter } from '../helpers.ts'

const routerKey = 'router-key-0123456789abcdef'

function config(upstreamUrl: string, extra: Record<string, unknown> = {}) {
  return {
    Providers: [
      {
        name: 'up',
        api_base_url: `${upstreamUrl}/v1/messages`,
        api_key: 'provider-key-xyz',
        models: ['m'],
      },
    ],
    Router: { default: 'up,m' },
    ...extra,
  }
}

const message = JSON.stringify({
  model: 'claude-opus-5-5',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'hi' }],
})

describe('authentication', () => {
  test('with APIKEY set, API routes need it as x-api-key or Bearer', async () => {
    using upstream = fakeUpstream(() => Response.json({ ok: true }))
    await using router = testRouter(config(upstream.url, { APIKEY: routerKey }))
    const post = (headers: Record<string, string>) =>
      fetch(`${router.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: message,
      })

    const missing = await post({})
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({
      type: 'error',
      error: {
        type: 'authentication_error',
        message:
          "Invalid or missing API key for ccr (send the router's APIKEY as x-api-key or Authorization: Bearer; `ccr code` does this for you)",
      },
    })
    expect((await post({ 'x-api-key': 'wrong' })).status).toBe(401)
    expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401)
    expect((await post({ 'x-api-key': routerKey })).status).toBe(200)
    expect((await post({ authorization: `Bearer ${routerKey}` })).status).toBe(200)
    // Claude Code sends both headers when both variables are set.
    expect(
      (await post({ 'x-api-key': 'sk-ant-real-key', authorization: `Bearer ${routerKey}` })).status,
    ).toBe(200)
    expect(upstream.seen).toHaveLength(3)
    expect(JSON.stringify(router.records)).not.toContain(routerKey)
  })

  test('health, the Claude Code probe and the docs stay public; health says little without the key', async () => {
    await using router = testRouter(config('http://127.0.0.1:9', { APIKEY: routerKey }))
    const anonymous = await (await fetch(`${router.url}/health`)).json()
    expect(Object.keys(anonymous as object).sort()).toEqual([
      'service',
      'status',
      'uptime_s',
      'version',
    ])
    const full = (await (
      await fetch(`${router.url}/health`, { headers: { 'x-api-key': routerKey } })
    ).json()) as Record<string, unknown>
    expect(full).toMatchObject({
      status: 'ok',
      service: 'ccr',
      version: '0.0.0-test',
      pid: process.pid,
      config: 'test-config.json',
      providers: [{ name: 'up', protocol: 'anthropic', models: ['m'] }],
    })
    expect(JSON.stringify(full)).not.toContain('provider-key-xyz')
    expect((await fetch(`${router.url}/api/hello`, { method: 'HEAD' })).status).toBe(200)
    expect((await fetch(`${router.url}/docs/json`)).status).toBe(200)
  })

  test('without APIKEY, a browser page from another site is refused', async () => {
    using upstream = fakeUpstream(() => Response.json({ ok: true }))
    await using router = testRouter(config(upstream.url))
    const foreign = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: message,
    })
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as { error: { type: string } }).error.type).toBe(
      'permission_error',
    )
    const local = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: { origin: 'http://localhost:3000' },
      body: message,
    })
    expect(local.status).toBe(200)
    expect(upstream.seen).toHaveLength(1)
  })
})

describe('request ids', () => {
  test('every response carries one, an incoming one is kept, and log lines name it', async () => {
    using upstream = fakeUpstream(() => Response.json({ ok: true }))
    await using router = testRouter(config(upstream.url))
    const kept = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-request-id': 'trace-abc-123' },
      body: message,
    })
    expect(kept.headers.get('x-request-id')).toBe('trace-abc-123')
    const made = await fetch(`${router.url}/v1/messages`, { method: 'POST', body: message })
    const id = made.headers.get('x-request-id')
    expect(id).toMatch(/^req_[0-9a-f]{32}$/)
    const failed = await fetch(`${router.url}/v1/messages`, { method: 'POST', body: '{not json' })
    expect(failed.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    const missing = await fetch(`${router.url}/nope`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-request-id')).toMatch(/^req_/)

    const routeLines = router.records.filter((record) => record.msg === 'route')
    expect(routeLines.map((record) => record.fields.requestId)).toEqual(['trace-abc-123', id])
    const failure = router.records.find(
      (record) => record.fields.requestId === failed.headers.get('x-request-id'),
    )
    expect(failure?.level).toBe('warn')
  })
})

describe('bad requests', () => {
  test('get Anthropic-shaped errors', async () => {
    await using router = testRouter(config('http://127.0.0.1:9'))
    const post = async (body: string) => {
      const response = await fetch(`${router.url}/v1/messages`, { method: 'POST', body })
      return { status: response.status, body: await response.json() }
    }
    expect(await post('{not json')).toEqual({
      status: 400,
      body: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: expect.stringMatching(/^The request body is not valid JSON: /),
        },
      },
    })
    expect(await post('{"model": 5, "messages": []}')).toEqual({
      status: 400,
      body: {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'model: Expected string' },
      },
    })
    expect(await post('{"model": "nowhere,x", "messages": []}')).toEqual({
      status: 400,
      body: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'ccr has no provider named "nowhere" (model "nowhere,x") (known providers: up)',
        },
      },
    })
    const notFound = await fetch(`${router.url}/v2/whatever`)
    expect(await notFound.json()).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'No route GET /v2/whatever' },
    })
  })

  test('an explicit provider,model is honoured', async () => {
    using upstream = fakeUpstream(() => Response.json({ ok: true }))
    await using router = testRouter({
      Providers: [
        { name: 'up', api_base_url: `${upstream.url}/v1/messages`, models: ['m'] },
        {
          name: 'Other',
          api_base_url: `${upstream.url}/other/v1/messages`,
          models: ['first', 'second'],
        },
      ],
      Router: { default: 'up,m' },
    })
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model: 'other,second', max_tokens: 5, messages: [] }),
    })
    expect(response.headers.get('x-ccr-provider')).toBe('Other')
    expect(response.headers.get('x-ccr-slot')).toBe('explicit')
    expect(upstream.seen[0]?.path).toBe('/other/v1/messages')
    expect(JSON.parse(upstream.seen[0]?.body ?? '').model).toBe('second')
    // "provider," alone means the provider's first model.
    await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model: 'Other,', max_tokens: 5, messages: [] }),
    })
    expect(JSON.parse(upstream.seen[1]?.body ?? '').model).toBe('first')
  })
})

describe('draining', () => {
  test('new requests are refused with a retryable 503 while shutting down', async () => {
    await using router = testRouter(config('http://127.0.0.1:9'))
    router.draining.value = true
    const response = await fetch(`${router.url}/v1/messages`, { method: 'POST', body: message })
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'ccr is shutting down' },
    })
  })
})

describe('docs', () => {
  test('GET /docs/json describes the HTTP API', async () => {
    await using router = testRouter(config('http://127.0.0.1:9'))
    const openapi = (await (await fetch(`${router.url}/docs/json`)).json()) as {
      info: { title: string }
      paths: Record<string, unknown>
    }
    expect(openapi.info.title).toBe('ccr')
    expect(Object.keys(openapi.paths).sort()).toEqual([
      '/api/hello',
      '/health',
      '/v1/messages',
      '/v1/messages/count_tokens',
      '/v1/models',
    ])
    expect((await fetch(`${router.url}/docs`)).headers.get('content-type')).toContain('text/html')
  })
})
