import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { buildBinary } from '../bench/processes.ts'
import packageJson from '../package.json' with { type: 'json' }
import {
  anthropicAnswer,
  baseEnv,
  fakeUpstream,
  freePort,
  healthOf,
  inTerminal,
  tempHome,
  waitFor,
} from './helpers.ts'

const outDirectory = mkdtempSync(join(tmpdir(), 'ccr-build-'))
const binary = join(outDirectory, 'ccr')

beforeAll(async () => {
  await buildBinary(outDirectory)
}, 120_000)
afterAll(() => rmSync(outDirectory, { recursive: true, force: true }))

function run(args: string[], env: Record<string, string> = {}) {
  const result = Bun.spawnSync([binary, ...args], { env: baseEnv(env) })
  return {
    exitCode: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  }
}

describe('the compiled binary', () => {
  test('prints its version and help', () => {
    expect(run(['--version'])).toEqual({
      exitCode: 0,
      stdout: `ccr ${packageJson.version}\n`,
      stderr: '',
    })
    const help = run(['--help'])
    expect(help.exitCode).toBe(0)
    for (const command of ['start', 'stop', 'restart', 'status', 'code', 'activate'])
      expect(help.stdout).toContain(`ccr ${command}`)
  })

  test('starts in the background, answers /health, stops', async () => {
    const port = freePort()
    using home = tempHome({ PORT: port })
    const started = run(['start', '-d'], { CCR_HOME: home.home })
    expect(started.exitCode).toBe(0)
    const health = await waitFor(() => healthOf(`http://127.0.0.1:${port}`), 'the binary to serve')
    expect(health).toMatchObject({
      service: 'ccr',
      version: packageJson.version,
      config: home.configFile,
    })
    expect(run(['stop'], { CCR_HOME: home.home })).toEqual({
      exitCode: 0,
      stdout: `ccr stopped (pid ${health.pid})\n`,
      stderr: '',
    })
    expect(await healthOf(`http://127.0.0.1:${port}`)).toBeUndefined()
  })

  test('knows model limits and list prices with neither package in it', async () => {
    // The binary holds the catalog's facts and the price table's source, taken at build time.
    using upstream = fakeUpstream(() =>
      Response.json({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'deepseek-chat',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 100_000, completion_tokens: 20_000, total_tokens: 120_000 },
      }),
    )
    const port = freePort()
    using home = tempHome({
      PORT: port,
      Providers: [
        {
          name: 'deepseek',
          api_base_url: `${upstream.url}/v1/chat/completions`,
          api_key: 'sk-test',
          models: ['deepseek-chat'],
        },
      ],
      Router: { default: 'deepseek,deepseek-chat' },
    })
    expect(run(['start', '-d'], { CCR_HOME: home.home }).exitCode).toBe(0)
    try {
      await waitFor(() => healthOf(`http://127.0.0.1:${port}`), 'the binary to serve')
      const answer = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 32_000,
          messages: [{ role: 'user', content: 'hello' }],
        }),
      })
      expect(answer.status).toBe(200)
      // models.dev: DeepSeek's chat model writes at most 8192 tokens.
      expect(JSON.parse(upstream.seen[0]?.body ?? '{}')).toMatchObject({ max_tokens: 8192 })
      // Claude Sonnet 4.5's list price: $3 in, $15 out per million tokens (below 200k in).
      const totals = await waitFor(() => {
        const stats = run(['stats', '--json'], { CCR_HOME: home.home })
        const report = JSON.parse(stats.stdout) as { totals: { requests: number } | null }
        return report.totals?.requests === 1 ? report.totals : undefined
      }, 'the request in the ledger')
      expect(totals).toMatchObject({
        anthropicBaselineUsd: expect.closeTo(0.1 * 3 + 0.02 * 15, 10),
      })
    } finally {
      run(['stop'], { CCR_HOME: home.home })
    }
  })

  test("imports a user's router module at run time, TypeScript or CommonJS", async () => {
    // The binary is CommonJS; the user's module is imported from disk as it is written.
    using upstream = fakeUpstream((seen) => anthropicAnswer(JSON.parse(seen.body).model as string))
    const port = freePort()
    using home = tempHome()
    const write = (name: string, text: string) => writeFileSync(join(home.home, name), text)
    write(
      'router.ts',
      "export default (input: { body: { model: string } }): string | null =>\n  input.body.model === 'special' ? 'up,two' : null\n",
    )
    write(
      'router.cjs',
      "module.exports = async (req) => (req.body.model === 'other' ? 'up,three' : null)\n",
    )
    const config = (module: string) => ({
      PORT: port,
      CUSTOM_ROUTER_PATH: join(home.home, module),
      Providers: [
        {
          name: 'up',
          api_base_url: `${upstream.url}/v1/messages`,
          models: ['one', 'two', 'three'],
        },
      ],
      Router: { default: 'up,one' },
    })
    const ask = async (model: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      })
      const message = (await response.json()) as { content: { text: string }[] }
      return message.content[0]?.text
    }
    for (const [module, model, routed] of [
      ['router.ts', 'special', 'two'],
      ['router.cjs', 'other', 'three'],
    ] as const) {
      write('config.json', JSON.stringify(config(module)))
      expect(run(['start', '-d'], { CCR_HOME: home.home }).exitCode).toBe(0)
      try {
        await waitFor(() => healthOf(`http://127.0.0.1:${port}`), 'the binary to serve')
        expect(await ask('claude-x')).toBe('one')
        // The module loads in the background after start; the first answers may precede it.
        await waitFor(async () => ((await ask(model)) === routed ? true : undefined), module)
      } finally {
        run(['stop'], { CCR_HOME: home.home })
      }
    }
  })

  test('loads plugins from its plugins folder and transformers[], carries the built-ins, reloads an edit', async () => {
    using upstream = fakeUpstream((seen) => anthropicAnswer(seen.body))
    const port = freePort()
    using home = tempHome()
    const write = (name: string, text: string) => {
      mkdirSync(dirname(join(home.home, name)), { recursive: true })
      writeFileSync(join(home.home, name), text)
    }
    const tagPlugin = (tag: string) =>
      `export default {\n  name: 'tag',\n  transformRequestIn: (body: Record<string, unknown>) => ({ ...body, tag: '${tag}' }),\n}\n`
    write('plugins/tag.ts', tagPlugin('one'))
    write(
      'elsewhere/suffix.js',
      "module.exports = class { constructor(o) { this.name = 'suffix'; this.o = o }\n" +
        '  transformRequestIn(body) { return { ...body, suffix: this.o.suffix } } }\n',
    )
    write(
      'config.json',
      JSON.stringify({
        PORT: port,
        transformers: [{ path: 'elsewhere/suffix.js', options: { suffix: '!' } }],
        Providers: [
          {
            name: 'up',
            api_base_url: `${upstream.url}/v1/messages`,
            models: ['one'],
            transformer: { use: ['tag', 'suffix', ['sampling', { temperature: 0.5 }]] },
          },
        ],
        Router: { default: 'up,one' },
      }),
    )
    const sent = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'x',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      })
      const message = (await response.json()) as { content: { text: string }[] }
      return JSON.parse(message.content[0]?.text ?? '{}') as Record<string, unknown>
    }
    expect(run(['start', '-d'], { CCR_HOME: home.home }).exitCode).toBe(0)
    try {
      const health = await waitFor(
        () => healthOf(`http://127.0.0.1:${port}`),
        'the binary to serve',
      )
      const names = (health.plugins as { name: string; error?: string }[]).map(
        (plugin) => plugin.name,
      )
      expect(names).toEqual(expect.arrayContaining(['tag', 'suffix', 'sampling', 'customparams']))
      // Loaded before the first request is served.
      expect(await sent()).toMatchObject({
        model: 'one',
        tag: 'one',
        suffix: '!',
        temperature: 0.5,
      })
      write('plugins/tag.ts', tagPlugin('two'))
      await waitFor(async () => ((await sent()).tag === 'two' ? true : undefined), 'the edit')
    } finally {
      run(['stop'], { CCR_HOME: home.home })
    }
  })

  test('runs the wizard in a terminal', async () => {
    // The binary is CommonJS: readline and tty (the wizard's, through @clack/prompts) are
    // required only when `ccr init` runs, a path no other test takes in the binary. `script`
    // gives it a real terminal.
    using home = tempHome()
    const terminal = inTerminal(`${binary} init`, { CCR_HOME: home.home })
    await terminal.waitForText('Which provider should Claude Code use?')
    terminal.press('\x03')
    expect(await terminal.finished()).not.toBe(0)
    expect(terminal.screen()).toContain('setup cancelled; nothing was written')
    expect(existsSync(home.configFile)).toBe(false)
  })
})
