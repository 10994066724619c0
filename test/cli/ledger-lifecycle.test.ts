import { afterAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { fakeOpenAI } from '../fake-openai.ts'
import { baseEnv, freePort, healthOf, mainEntry, routerHomes, runCli, waitFor } from '../helpers.ts'

const homes = routerHomes()
afterAll(() => homes.cleanUp())

function setup(upstreamUrl: string, extra: Record<string, unknown> = {}) {
  const port = freePort()
  const home = homes.create({
    PORT: port,
    Providers: [
      {
        name: 'paid',
        api_base_url: `${upstreamUrl}/v1/chat/completions`,
        models: [{ id: 'big', price: { input: 1000, output: 1000 } }],
      },
    ],
    Router: { default: 'paid,big' },
    ...extra,
  })
  return { home, url: `http://127.0.0.1:${port}` }
}

function startServer(home: string) {
  return Bun.spawn([process.execPath, mainEntry, 'start'], {
    env: baseEnv({ CCR_HOME: home }),
    stdout: 'pipe',
    stderr: 'pipe',
  })
}

async function askMany(url: string, count: number) {
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'claude-opus-5-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: `question ${index}` }],
      }),
    })
    await response.text()
  }
}

function countRows(home: string): number {
  const db = new Database(join(home, 'ccr.db'), { readonly: true })
  try {
    return (db.query('SELECT COUNT(*) AS count FROM requests').get() as { count: number }).count
  } finally {
    db.close()
  }
}

describe('the ledger across stops, crashes and restarts', () => {
  test('SIGTERM loses no record; a crash loses at most the last interval; spend survives a restart', async () => {
    using upstream = fakeOpenAI(() => ({
      text: 'ok',
      usage: { prompt_tokens: 100, completion_tokens: 10 },
    }))
    const { home, url } = setup(upstream.url, { Budgets: { daily: 0.5 } })
    const server = startServer(home.home)
    await waitFor(() => healthOf(url), 'the router')
    // Each answer costs 110 tokens × $1000 per million = $0.11.
    await askMany(url, 4)
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(countRows(home.home)).toBe(4)

    const crashing = startServer(home.home)
    await waitFor(() => healthOf(url), 'the router again')
    await askMany(url, 1)
    // The writer flushes every second: after that the row is on disk even if the process dies.
    await waitFor(() => (countRows(home.home) === 5 ? true : undefined), 'the flush')
    crashing.kill('SIGKILL')
    await crashing.exited

    // $0.55 of $0.50 spent today, counted from the ledger by a fresh process.
    const restarted = startServer(home.home)
    await waitFor(() => healthOf(url), 'the router once more')
    const refused = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'claude-opus-5-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'one more' }],
      }),
    })
    expect(refused.status).toBe(402)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'the daily budget of $0.50 is 110% spent ($0.55)',
    )
    restarted.kill('SIGTERM')
    expect(await restarted.exited).toBe(0)
    // The refusal is in the ledger too.
    expect(countRows(home.home)).toBe(6)

    const stats = await runCli(['stats', '--json'], { CCR_HOME: home.home })
    expect(stats.exitCode).toBe(0)
    expect(JSON.parse(stats.stdout).totals).toMatchObject({ requests: 6 })
  }, 60_000)

  test('a store written by a newer ccr is refused with a clear message, and the router still serves', async () => {
    using upstream = fakeOpenAI(() => ({ text: 'ok' }))
    const { home, url } = setup(upstream.url)
    const db = new Database(join(home.home, 'ccr.db'), { create: true })
    db.exec('PRAGMA user_version = 99')
    db.close()
    const stats = await runCli(['stats'], { CCR_HOME: home.home })
    expect(stats.exitCode).toBe(1)
    expect(stats.stderr).toContain('was written by a newer ccr (schema 99; this one knows 2)')
    const server = startServer(home.home)
    await waitFor(() => healthOf(url), 'the router')
    await askMany(url, 1)
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(await new Response(server.stderr).text()).toContain('the ledger is off')
  }, 60_000)
})
