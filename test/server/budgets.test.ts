import { describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/db.ts'
import { insertRows } from '../../src/store/ledger.ts'
import { ledgerRow } from '../ledger-rows.ts'
import { fakeOpenAI } from '../fake-openai.ts'
import { testRouter, waitFor } from '../helpers.ts'

/** A ledger that already holds today's spending. */
function ledgerWith(spent: { usd: number; project?: string }[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ccr-budget-')), 'ccr.db')
  const store = openStore(path)
  const rows = spent.map(({ usd, project }, index) =>
    ledgerRow({
      time: Date.now() - 1000,
      requestId: `req_${index}`,
      project: project ?? null,
      costUsd: usd,
      anthropicCostUsd: usd * 3,
    }),
  )
  insertRows(store, rows)
  store.close()
  return path
}

function config(url: string, budgets: Record<string, unknown>) {
  return {
    Providers: [
      {
        name: 'paid',
        api_base_url: `${url}/v1/chat/completions`,
        models: [{ id: 'big', price: { input: 1000, output: 1000 } }],
      },
      {
        name: 'cheap',
        api_base_url: `${url}/v1/chat/completions`,
        models: [{ id: 'small', price: { input: 0, output: 0 } }],
      },
    ],
    Router: { default: 'paid,big' },
    Budgets: budgets,
  }
}

const ask = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      model: 'claude-opus-5-5',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  })

describe('budgets', () => {
  test('at 80% a warning header; at 100% a refusal that names the limit and when it resets', async () => {
    using upstream = fakeOpenAI(() => ({
      text: 'ok',
      usage: { prompt_tokens: 100, completion_tokens: 10 },
    }))
    await using router = testRouter(config(upstream.url, { daily: 5 }), {
      store: ledgerWith([{ usd: 4.2 }]),
    })
    const warned = await ask(router.url)
    expect(warned.status).toBe(200)
    expect(warned.headers.get('x-ccr-budget')).toMatch(
      /^the daily budget of \$5\.00 is 84% spent \(\$4\.20\); it resets in \d+ (h|min)/,
    )
    await warned.text()
    // That answer cost (100 + 10) tokens × $1000 per million = $0.11: still under.
    await waitFor(
      () => router.records.find((record) => record.msg === 'done'),
      'the answer to be recorded',
    )
    const again = await ask(router.url)
    expect(again.headers.get('x-ccr-budget')).toContain('86% spent ($4.31)')
    await again.text()
    await waitFor(
      () =>
        router.records.filter((record) => record.msg === 'done').length === 2 ? true : undefined,
      'both answers',
    )

    router.holder.replace({
      ...router.holder.current(),
      config: {
        ...router.holder.current().config,
        Budgets: { daily: 4, projects: {}, onExceed: 'refuse' },
      },
    })
    const refused = await ask(router.url)
    expect(refused.status).toBe(402)
    const body = (await refused.json()) as { error: { type: string; message: string } }
    expect(body.error.type).toBe('billing_error')
    expect(body.error.message).toMatch(
      /^ccr: the daily budget of \$4\.00 is 111% spent \(\$4\.42\); it resets in .+ \(raise the limit under Budgets in config\.json, or set Budgets\.onExceed to a cheaper "<provider>,<model>"\)$/,
    )
    expect(upstream.seen).toHaveLength(2)
  })

  test('onExceed switches to a cheaper route; project limits apply to their project only', async () => {
    using upstream = fakeOpenAI((body) => ({ text: `served by ${body.model}` }))
    const budgets = {
      monthly: 100,
      projects: { '/repo/expensive': { daily: 1 } },
      onExceed: 'cheap,small',
    }
    await using router = testRouter(config(upstream.url, budgets), {
      store: ledgerWith([{ usd: 1.5, project: '/repo/expensive' }]),
    })
    const switched = await ask(router.url, { 'x-ccr-project': '/repo/expensive' })
    expect(switched.headers.get('x-ccr-slot')).toBe('budget')
    expect(switched.headers.get('x-ccr-model')).toBe('small')
    expect(switched.headers.get('x-ccr-reason')).toContain(
      'the daily budget for /repo/expensive of $1.00 is 150% spent',
    )
    const elsewhere = await ask(router.url, { 'x-ccr-project': '/repo/other' })
    expect(elsewhere.headers.get('x-ccr-model')).toBe('big')
    expect(elsewhere.headers.get('x-ccr-budget')).toBeNull()
  })
})
