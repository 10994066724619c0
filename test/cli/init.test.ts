import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '../../src/config/load.ts'
import { resolveProvider } from '../../src/config/providers.ts'
import type { ProviderConfig } from '../../src/config/schema.ts'
import { fakeUpstream, inTerminal, mainEntry, runCli, tempHome } from '../helpers.ts'

function backupsIn(home: string): string[] {
  return readdirSync(home).filter((name) => name.endsWith('.bak'))
}

describe('ccr init --provider (unattended)', () => {
  test('adds a provider to an existing config, keeps everything else, writes 0600 with a backup', async () => {
    const original =
      '{\n  // my config\n  PORT: 4567,\n  StatusLine: { enabled: true },\n  Providers: [{ name: "old", api_base_url: "https://old.test/v1/chat/completions", models: ["o"] }],\n  Router: { default: "old,o" },\n}\n'
    using home = tempHome(original)
    const result = await runCli(
      [
        'init',
        '--provider',
        'deepseek',
        '--api-key',
        '$DEEPSEEK_API_KEY',
        '--models',
        'deepseek-chat,deepseek-reasoner',
        '--default',
        '--default-model',
        'deepseek-reasoner',
      ],
      { CCR_HOME: home.home },
    )
    expect(result.exitCode).toBe(0)
    const [backup] = backupsIn(home.home)
    expect(result.stdout).toBe(
      `Wrote ${home.configFile}\nThe previous file is saved as ${join(home.home, backup ?? '')} (comments are not carried over).\n` +
        'Next: `ccr code` starts the router and Claude Code.\n',
    )
    expect(readFileSync(join(home.home, backup ?? ''), 'utf8')).toBe(original)
    expect(statSync(home.configFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(home.home, backup ?? '')).mode & 0o777).toBe(0o600)
    const written = JSON.parse(readFileSync(home.configFile, 'utf8'))
    expect(written).toEqual({
      PORT: 4567,
      StatusLine: { enabled: true },
      Providers: [
        { name: 'old', api_base_url: 'https://old.test/v1/chat/completions', models: ['o'] },
        {
          name: 'deepseek',
          api_base_url: 'https://api.deepseek.com/chat/completions',
          api_key: '$DEEPSEEK_API_KEY',
          models: ['deepseek-chat', 'deepseek-reasoner'],
        },
      ],
      Router: { default: 'deepseek,deepseek-reasoner' },
    })
    expect(() => parseConfig(JSON.stringify(written), { file: 'x', env: {} })).not.toThrow()
  })

  test('lists models from the provider, and keeps at most three backups', async () => {
    using upstream = fakeUpstream((request) =>
      request.headers.authorization === 'Bearer sk-right'
        ? Response.json({ object: 'list', data: [{ id: 'zeta' }, { id: 'alpha' }] })
        : Response.json({ error: { message: 'bad key' } }, { status: 401 }),
    )
    using home = tempHome()
    const args = [
      'init',
      '--provider',
      'custom-openai',
      '--name',
      'mine',
      '--url',
      `${upstream.url}/v1/chat/completions`,
      '--api-key',
      'sk-right',
    ]
    for (let round = 0; round < 5; round++)
      expect(await runCli(args, { CCR_HOME: home.home })).toMatchObject({ exitCode: 0 })
    expect(upstream.seen.map((request) => request.path)).toEqual(Array(5).fill('/v1/models'))
    const written = JSON.parse(readFileSync(home.configFile, 'utf8'))
    expect(written.Providers).toEqual([
      {
        name: 'mine',
        api_base_url: `${upstream.url}/v1/chat/completions`,
        api_key: 'sk-right',
        models: ['alpha'],
      },
    ])
    expect(written.Router).toEqual({ default: 'mine,alpha' })
    expect(backupsIn(home.home)).toHaveLength(3)

    // A rejected key is reported, not fatal: the user may fix it in the file later.
    const rejected = await runCli([...args.slice(0, -1), 'sk-wrong', '--models', 'alpha'], {
      CCR_HOME: home.home,
    })
    expect(rejected.exitCode).toBe(0)
    expect(rejected.stderr).toContain('The provider rejected the key')
    expect(JSON.parse(readFileSync(home.configFile, 'utf8')).Providers[0].api_key).toBe('sk-wrong')
  })

  test('a Responses API endpoint: models listed from /v1/models, the protocol read from the URL', async () => {
    using upstream = fakeUpstream(() =>
      Response.json({ object: 'list', data: [{ id: 'gpt-5-codex' }, { id: 'gpt-4.1' }] }),
    )
    using home = tempHome()
    const url = `${upstream.url}/v1/responses`
    const result = await runCli(
      ['init', '--provider', 'custom-openai', '--name', 'codex', '--url', url, '--api-key', 'sk-x'],
      { CCR_HOME: home.home },
    )
    expect(result.exitCode).toBe(0)
    expect(upstream.seen.map((request) => request.path)).toEqual(['/v1/models'])
    const written = JSON.parse(readFileSync(home.configFile, 'utf8'))
    expect(written.Providers).toEqual([
      { name: 'codex', api_base_url: url, api_key: 'sk-x', models: ['gpt-4.1'] },
    ])
    const loaded = parseConfig(JSON.stringify(written), { file: 'x', env: {} })
    expect(resolveProvider(loaded.config.Providers[0] as ProviderConfig).protocol).toBe('responses')
  })

  test('a missing answer names the flag; outside a terminal without flags it says how to run', async () => {
    using home = tempHome()
    const missing = await runCli(['init', '--provider', 'openai'], { CCR_HOME: home.home })
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toBe(
      'ccr init: error: no answer for "API key (or $OPENAI_API_KEY)"\nhint: pass --api-key\n',
    )
    const noTerminal = await runCli(['init'], { CCR_HOME: home.home })
    expect(noTerminal.exitCode).toBe(1)
    expect(noTerminal.stderr).toContain('ccr init asks questions, and this is not a terminal')
  })
})

describe('ccr init (the wizard in a terminal)', () => {
  test('answers at the prompts write a working config', async () => {
    using upstream = fakeUpstream(() =>
      Response.json({ data: [{ id: 'llama3' }, { id: 'qwen2.5-coder:latest' }] }),
    )
    using home = tempHome()
    // A real terminal; the test answers each question when it shows.
    const { waitForText, press, finished, screen } = inTerminal(
      `${process.execPath} ${mainEntry} init`,
      { CCR_HOME: home.home },
    )
    const down = '\x1b[B'

    await waitForText('Which provider should Claude Code use?')
    // Down to "Another OpenAI-compatible API" (the eleventh entry).
    press(`${down.repeat(10)}\r`)
    await waitForText('Name for this provider')
    press('local\r')
    await waitForText('Endpoint URL')
    press(`${upstream.url}/v1/chat/completions\r`)
    await waitForText('API key')
    press('sk-local-key\r')
    await waitForText('Models to use')
    press(`${down} \r`)
    await waitForText('Default model')
    press('\r')
    await waitForText('Next: `ccr code`')
    await finished()

    const written = JSON.parse(readFileSync(home.configFile, 'utf8'))
    expect(written.Providers).toEqual([
      {
        name: 'local',
        api_base_url: `${upstream.url}/v1/chat/completions`,
        api_key: 'sk-local-key',
        models: ['llama3', 'qwen2.5-coder:latest'],
      },
    ])
    expect(written.Router.default).toBe('local,llama3')
    expect(statSync(home.configFile).mode & 0o777).toBe(0o600)
    expect(screen()).not.toContain('sk-local-key')
  })
})
