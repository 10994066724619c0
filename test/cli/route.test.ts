import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '../../src/store/db.ts'
import { createLearnedFacts } from '../../src/store/learned.ts'
import { repoRoot, runCli, tempHome } from '../helpers.ts'

const config = {
  Providers: [
    { name: 'main', api_base_url: 'https://main.test/v1/chat/completions', models: ['big'] },
    { name: 'cheap', api_base_url: 'https://cheap.test/anthropic', models: ['small'] },
  ],
  Router: { default: ['main,big', 'cheap,small'], background: 'cheap,small' },
}
const fixture = (scenario: string, file: string) =>
  join(repoRoot, 'test', 'fixtures', 'claude-code', scenario, file)

describe('ccr route', () => {
  test('prints the decision, its facts and the fallback chain, calling no provider', async () => {
    using home = tempHome(config)
    const result = await runCli(
      ['route', fixture('print-bash', '01-main-turn1-stream.request.json')],
      { CCR_HOME: home.home },
    )
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines.slice(0, 2)).toEqual(['route     default → main,big', 'why       Router.default'])
    expect(result.stdout).toMatch(
      /  token estimate     \d{1,2},\d{3} \(long context above 60,000\)/,
    )
    expect(result.stdout).toContain('  session            00000000-0000-4000-8000-000000000001')
    expect(result.stdout).toContain('  think              no')
    expect(result.stdout).toContain(
      'candidates, in order\n  1. main,big  (openai, https://main.test/v1/chat/completions)\n  2. cheap,small  (anthropic, https://cheap.test/anthropic/v1/messages)\n',
    )
  })

  test('--json, a background request, a plain body, and a bad file', async () => {
    using home = tempHome(config)
    const title = await runCli(
      ['route', '--json', fixture('interactive-title', '02-bg-session-title-stream.request.json')],
      { CCR_HOME: home.home },
    )
    expect(JSON.parse(title.stdout)).toMatchObject({
      slot: 'background',
      candidates: [{ route: 'cheap,small', protocol: 'anthropic' }],
      facts: { requestedModel: 'claude-opus-5-5', webSearch: false },
    })
    const body = join(home.home, 'body.json')
    writeFileSync(
      body,
      JSON.stringify({
        model: 'cheap,small',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    )
    expect((await runCli(['route', body], { CCR_HOME: home.home })).stdout).toStartWith(
      'route     explicit → cheap,small\n',
    )
    writeFileSync(body, '{"messages": []}')
    const bad = await runCli(['route', body], { CCR_HOME: home.home })
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain('model')
  })

  test('reads what the router learned: a window a provider named sends a larger request to longContext', async () => {
    using home = tempHome({ ...config, Router: { ...config.Router, longContext: 'cheap,small' } })
    const db = openStore(join(home.home, 'ccr.db'))
    const learned = createLearnedFacts({ db })
    learned.learnContextWindow('https://main.test/v1/chat/completions', 'big', 4096)
    learned.flush()
    db.close()
    const result = await runCli(
      ['route', fixture('print-bash', '01-main-turn1-stream.request.json')],
      { CCR_HOME: home.home },
    )
    expect(result.stdout).toStartWith('route     longContext → cheap,small\n')
    expect(result.stdout).toContain('(4096, as its provider said)')

    // A week on, the fact is forgotten: the provider may have changed since.
    const aged = openStore(join(home.home, 'ccr.db'))
    aged.run('UPDATE learned_facts SET learned_at = ?', [Date.now() - 8 * 24 * 60 * 60 * 1000])
    aged.close()
    const later = await runCli(
      ['route', fixture('print-bash', '01-main-turn1-stream.request.json')],
      { CCR_HOME: home.home },
    )
    expect(later.stdout).toStartWith('route     default → main,big\n')
  })
})
