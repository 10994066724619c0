import { afterAll, describe, expect, test } from 'bun:test'
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { basename, join } from 'node:path'
import { freePort, healthOf, routerHomes, runCli } from '../helpers.ts'

const homes = routerHomes()
afterAll(() => homes.cleanUp())

/**
 * A stand-in for Claude Code: records its argv, its environment and the router's pid (asked
 * over HTTP, as Claude Code would reach it), then exits with FAKE_CLAUDE_EXIT.
 */
const fakeClaude = `#!/usr/bin/env node
const fs = require('node:fs')
fetch(process.env.ANTHROPIC_BASE_URL + '/health', { headers: { 'x-api-key': process.env.ANTHROPIC_AUTH_TOKEN } })
  .then((response) => response.json())
  .catch(() => null)
  .then((health) => {
    const out = process.env.FAKE_CLAUDE_OUT + '.' + process.pid + '.json'
    fs.writeFileSync(out, JSON.stringify({ argv: process.argv.slice(2), env: process.env, health }))
    process.exit(Number(process.env.FAKE_CLAUDE_EXIT || 0))
  })
`

function setup(extra: Record<string, unknown> = {}) {
  const port = freePort()
  const home = homes.create({
    PORT: port,
    Providers: [{ name: 'up', api_base_url: 'http://127.0.0.1:9/v1/messages', models: ['m'] }],
    Router: { default: 'up,m' },
    ...extra,
  })
  const claude = join(home.home, 'fake-claude')
  writeFileSync(claude, fakeClaude)
  chmodSync(claude, 0o755)
  const out = join(home.home, 'claude-run')
  return { port, home, claude, out, url: `http://127.0.0.1:${port}` }
}

interface FakeRun {
  argv: string[]
  env: Record<string, string>
  health: { pid: number } | null
}

function runsOf(home: string): FakeRun[] {
  return readdirSync(home)
    .filter((name) => name.startsWith('claude-run.'))
    .map((name) => JSON.parse(readFileSync(join(home, name), 'utf8')) as FakeRun)
}

describe('ccr code', () => {
  test('starts the router, passes every argument verbatim and sets up the environment', async () => {
    const { home, claude, out, url } = setup({ API_TIMEOUT_MS: 123456 })
    const args = [
      '-p',
      'Run echo hello using the Bash tool',
      '--resume',
      'abc-123',
      '--model',
      'deepseek,deepseek-chat',
      '--output-format=json',
      'a positional prompt with  spaces',
      'it\'s quoted "twice"',
      '--',
      '--not-ours',
      '',
    ]
    const result = await runCli(
      ['code', ...args],
      {
        CCR_HOME: home.home,
        CLAUDE_PATH: claude,
        FAKE_CLAUDE_OUT: out,
        FAKE_CLAUDE_EXIT: '7',
        ANTHROPIC_API_KEY: 'sk-ant-from-the-shell',
        CLAUDE_CODE_USE_BEDROCK: '1',
        NO_PROXY: 'internal.example',
        HTTP_PROXY: 'http://127.0.0.1:9',
        ANTHROPIC_CUSTOM_HEADERS: 'x-team: a',
      },
      { cwd: home.home },
    )
    expect(result.exitCode).toBe(7)
    const [run] = runsOf(home.home)
    // The router's settings go first, every argument follows as given.
    expect(run?.argv.slice(2)).toEqual(args)
    expect(run?.argv[0]).toBe('--settings')
    const settingsFile = run?.argv[1] ?? ''
    expect(settingsFile.startsWith(join(home.home, 'claude', 'claude-settings-'))).toBe(true)
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600)
    const routerEnv = {
      ANTHROPIC_BASE_URL: url,
      ANTHROPIC_AUTH_TOKEN: 'ccr-local',
      API_TIMEOUT_MS: '123456',
      DISABLE_TELEMETRY: '1',
      DISABLE_COST_WARNINGS: '1',
      NO_PROXY: 'internal.example,127.0.0.1,localhost,::1',
      no_proxy: 'internal.example,127.0.0.1,localhost,::1',
      // Background calls are marked for the router, and the project is named on every request.
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'ccr-background',
      ANTHROPIC_SMALL_FAST_MODEL: 'ccr-background',
      ANTHROPIC_CUSTOM_HEADERS: `x-team: a\nx-ccr-project: ${home.home}`,
    }
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({
      env: {
        ...routerEnv,
        // What ccr removes from the environment is emptied in the settings.
        ANTHROPIC_API_KEY: '',
        CLAUDE_CODE_USE_BEDROCK: '',
        CLAUDE_CODE_USE_VERTEX: '',
        CLAUDE_CODE_USE_FOUNDRY: '',
      },
    })
    expect(run?.env).toMatchObject(routerEnv)
    expect(run?.env.ANTHROPIC_API_KEY).toBeUndefined()
    expect(run?.env.CLAUDE_CODE_USE_BEDROCK).toBeUndefined()
    // The router answered Claude Code, through HTTP_PROXY's exemption for loopback.
    expect(run?.health?.pid).toBeNumber()
    // And it keeps running after Claude Code exits, for other terminals.
    expect(await healthOf(url)).toMatchObject({ pid: run?.health?.pid })
    // The router was started with the runtime settings a long-lived server wants.
    const environ = readFileSync(`/proc/${run?.health?.pid}/environ`, 'utf8').split('\0')
    expect(environ).toContain('BUN_CONFIG_MAX_HTTP_REQUESTS=1024')
    expect(environ).toContain(`BUN_JSC_forceRAMSize=${256 * 1024 * 1024}`)
  })

  test('uses APIKEY as the token, and exits 0 when Claude Code does', async () => {
    const { home, claude, out } = setup({ APIKEY: 'router-secret-123456' })
    const result = await runCli(['code', '--version'], {
      CCR_HOME: home.home,
      CLAUDE_PATH: claude,
      FAKE_CLAUDE_OUT: out,
    })
    expect(result.exitCode).toBe(0)
    const [run] = runsOf(home.home)
    expect(run?.env.ANTHROPIC_AUTH_TOKEN).toBe('router-secret-123456')
    expect(run?.health?.pid).toBeNumber()
  })

  test('never stops a router it did not start, and several at once share one router', async () => {
    const { home, claude, out, url } = setup()
    const env = { CCR_HOME: home.home, CLAUDE_PATH: claude, FAKE_CLAUDE_OUT: out }
    const results = await Promise.all([1, 2, 3].map(() => runCli(['code', '-p', 'hi'], env)))
    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0])
    const pids = new Set(runsOf(home.home).map((run) => run.health?.pid))
    expect(pids.size).toBe(1)
    const pid = [...pids][0]
    expect(pid).toBeNumber()
    expect(await healthOf(url)).toMatchObject({ pid })

    expect((await runCli(['code', '-p', 'again'], env)).exitCode).toBe(0)
    expect(await healthOf(url)).toMatchObject({ pid })
  })

  test("a person's own --settings is merged, not lost; subcommands are left alone", async () => {
    const { home, claude, out, url } = setup({ APIKEY: 'router-secret-123456' })
    const env = { CCR_HOME: home.home, CLAUDE_PATH: claude, FAKE_CLAUDE_OUT: out }
    const settingsOf = (argv: string[] | undefined, at: number) =>
      JSON.parse(readFileSync(argv?.[at] ?? '', 'utf8')) as {
        env: Record<string, string>
        [key: string]: unknown
      }
    const theirs = {
      model: 'opus',
      env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/elsewhere', MY_VAR: 'kept' },
    }
    writeFileSync(join(home.home, 'mine.json'), JSON.stringify(theirs))

    // Inline JSON after -p, a file by a relative path as --settings=…, then a subcommand.
    for (const [args, at] of [
      [['-p', 'hi', '--settings', JSON.stringify(theirs), '--', '--settings', 'x'], 3],
      [['--settings=mine.json', '-p', 'hi'], 1],
    ] as const) {
      expect((await runCli(['code', ...args], env, { cwd: home.home })).exitCode).toBe(0)
      const run = runsOf(home.home).at(-1)
      // Replaced in place: the arguments around it, and after `--`, are as given.
      expect(run?.argv.length).toBe(args.length + (args[at - 1] === '--settings' ? 0 : 1))
      expect(run?.argv.at(-1)).toBe(args.at(-1) ?? '')
      const merged = settingsOf(run?.argv, at)
      expect(merged.model).toBe('opus')
      expect(merged.env).toMatchObject({
        MY_VAR: 'kept',
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_AUTH_TOKEN: 'router-secret-123456',
      })
      // The token is in a 0600 file, never on the command line.
      expect(run?.argv.join(' ')).not.toContain('router-secret-123456')
      for (const name of readdirSync(home.home))
        if (name.startsWith('claude-run.')) rmSync(join(home.home, name))
    }

    const broken = await runCli(['code', '--settings', 'missing.json', '-p', 'hi'], env, {
      cwd: home.home,
    })
    expect(broken.exitCode).toBe(0)
    expect(broken.stderr).toContain('ccr: --settings missing.json cannot be read (ENOENT)')
    expect(runsOf(home.home).at(-1)?.argv).toEqual(['--settings', 'missing.json', '-p', 'hi'])
    for (const name of readdirSync(home.home))
      if (name.startsWith('claude-run.')) rmSync(join(home.home, name))

    expect((await runCli(['code', 'mcp', 'list'], env)).exitCode).toBe(0)
    expect(runsOf(home.home).at(-1)?.argv).toEqual(['mcp', 'list'])
  })

  test('settings files unused for 30 days are removed; an unwritable folder is said, not fatal', async () => {
    const { home, claude, out } = setup()
    const env = { CCR_HOME: home.home, CLAUDE_PATH: claude, FAKE_CLAUDE_OUT: out }
    const folder = join(home.home, 'claude')
    mkdirSync(folder)
    const old = join(folder, 'claude-settings-00000000000000aa.json')
    const recent = join(folder, 'claude-settings-00000000000000bb.json')
    const other = join(folder, 'notes.json')
    for (const file of [old, recent, other]) writeFileSync(file, '{}')
    const days = (count: number) => new Date(Date.now() - count * 24 * 3600_000)
    utimesSync(old, days(31), days(31))
    utimesSync(recent, days(29), days(29))
    utimesSync(other, days(400), days(400))
    expect((await runCli(['code', '-p', 'hi'], env)).exitCode).toBe(0)
    const used = runsOf(home.home)[0]?.argv[1] ?? ''
    expect(readdirSync(folder).sort()).toEqual(
      [basename(used), basename(recent), basename(other)].sort(),
    )

    rmSync(folder, { recursive: true })
    writeFileSync(folder, 'a file where the folder should be')
    const blocked = await runCli(['code', '-p', 'again'], env)
    expect(blocked.exitCode).toBe(0)
    expect(blocked.stderr).toContain(`ccr: the router's settings could not be written to ${folder}`)
    expect(runsOf(home.home).map((run) => run.argv)).toContainEqual(['-p', 'again'])
  })

  test("Claude Code is told the routed model's context window, unless the person chose one", async () => {
    const windowOf = async (extra: Record<string, unknown>, env: Record<string, string> = {}) => {
      const { home, claude, out } = setup(extra)
      await runCli(['code', '-p', 'x'], {
        CCR_HOME: home.home,
        CLAUDE_PATH: claude,
        FAKE_CLAUDE_OUT: out,
        ...env,
      })
      const run = runsOf(home.home)[0]
      // Never in the settings file: a person's own settings keep the last word on it.
      const settings = JSON.parse(readFileSync(run?.argv[1] ?? '', 'utf8')) as {
        env: Record<string, string>
      }
      expect(settings.env.CLAUDE_CODE_AUTO_COMPACT_WINDOW).toBeUndefined()
      return run?.env.CLAUDE_CODE_AUTO_COMPACT_WINDOW
    }
    const providers = (window: number | undefined) => [
      {
        name: 'up',
        api_base_url: 'http://127.0.0.1:9/v1/chat/completions',
        models: [{ id: 'small', ...(window === undefined ? {} : { context_window: window }) }],
      },
      {
        name: 'big',
        api_base_url: 'http://127.0.0.1:9/v1/chat/completions',
        models: [{ id: 'wide', context_window: 1_000_000 }],
      },
    ]
    expect(await windowOf({ Providers: providers(32_768), Router: { default: 'up,small' } })).toBe(
      '32768',
    )
    // Requests that outgrow the default go to longContext: its window is the one to fill.
    expect(
      await windowOf({
        Providers: providers(32_768),
        Router: { default: ['up,small'], longContext: 'big,wide' },
      }),
    ).toBe('1000000')
    expect(
      await windowOf(
        { Providers: providers(32_768), Router: { default: 'up,small' } },
        { CLAUDE_CODE_AUTO_COMPACT_WINDOW: '20000' },
      ),
    ).toBe('20000')
    // A model no entry or catalog knows: Claude Code keeps its own.
    expect(
      await windowOf({ Providers: providers(undefined), Router: { default: 'up,small' } }),
    ).toBeUndefined()
  })

  test('NON_INTERACTIVE_MODE sets CI variables', async () => {
    const { home, claude, out } = setup({ NON_INTERACTIVE_MODE: true })
    await runCli(['code', '-p', 'x'], {
      CCR_HOME: home.home,
      CLAUDE_PATH: claude,
      FAKE_CLAUDE_OUT: out,
    })
    expect(runsOf(home.home)[0]?.env).toMatchObject({ CI: 'true', FORCE_COLOR: '0', TERM: 'dumb' })
  })

  test('a missing Claude Code says how to install it', async () => {
    const { home } = setup()
    const result = await runCli(['code', '-p', 'x'], {
      CCR_HOME: home.home,
      CLAUDE_PATH: join(home.home, 'no-such-claude'),
    })
    expect(result.exitCode).toBe(127)
    expect(result.stderr).toBe(
      `ccr: Claude Code was not found (${join(home.home, 'no-such-claude')}).\n` +
        'Install it with `npm install -g @anthropic-ai/claude-code`, or set CLAUDE_PATH in config.json to its path.\n',
    )
  })
})

describe('ccr activate', () => {
  test('prints exports a shell can eval', async () => {
    const { home, url } = setup({ APIKEY: "it's-a-key" })
    const result = await runCli(['activate'], { CCR_HOME: home.home })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`export ANTHROPIC_BASE_URL='${url}'\n`)
    expect(result.stdout).toContain('unset ANTHROPIC_API_KEY\n')
    const script = `${result.stdout}\nprintf '%s|%s|%s' "$ANTHROPIC_BASE_URL" "$ANTHROPIC_AUTH_TOKEN" "\${ANTHROPIC_API_KEY-unset}"`
    const shell = Bun.spawnSync(['sh', '-c', script], {
      env: { PATH: process.env.PATH ?? '', ANTHROPIC_API_KEY: 'shell-key' },
    })
    expect(shell.stdout.toString()).toBe(`${url}|it's-a-key|unset`)
  })
  test('names Claude Code settings files that would send a plain claude elsewhere', async () => {
    const { home } = setup()
    const claudeHome = join(home.home, 'person')
    const project = join(home.home, 'project')
    mkdirSync(join(claudeHome, '.claude'), { recursive: true })
    mkdirSync(join(project, '.claude'), { recursive: true })
    writeFileSync(
      join(claudeHome, '.claude', 'settings.json'),
      JSON.stringify({ env: { ANTHROPIC_BASE_URL: 'http://elsewhere', OTHER: '1' } }),
    )
    writeFileSync(
      join(project, '.claude', 'settings.local.json'),
      JSON.stringify({ env: { ANTHROPIC_API_KEY: 'sk-ant-x', CLAUDE_CODE_USE_BEDROCK: '1' } }),
    )
    writeFileSync(join(project, '.claude', 'settings.json'), '{"permissions": {}}')
    const result = await runCli(
      ['activate'],
      { CCR_HOME: home.home, HOME: claudeHome },
      { cwd: project },
    )
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('export ANTHROPIC_BASE_URL=')
    expect(result.stderr.trim().split('\n')).toEqual([
      `ccr: ${join(claudeHome, '.claude', 'settings.json')} sets ANTHROPIC_BASE_URL in its env, which Claude Code applies over this shell's: a plain claude here would not use the router. ccr code overrides it; or remove it from that file.`,
      `ccr: ${join(project, '.claude', 'settings.local.json')} sets ANTHROPIC_API_KEY, CLAUDE_CODE_USE_BEDROCK in its env, which Claude Code applies over this shell's: a plain claude here would not use the router. ccr code overrides it; or remove it from that file.`,
    ])
    // Elsewhere only the person's file counts; without it, nothing is said.
    const elsewhere = { CCR_HOME: home.home, HOME: claudeHome }
    const userOnly = await runCli(['activate'], elsewhere, { cwd: home.home })
    expect(userOnly.stderr.trim().split('\n')).toHaveLength(1)
    expect(userOnly.stderr).toContain('/person/.claude/settings.json sets ANTHROPIC_BASE_URL')
    rmSync(join(claudeHome, '.claude', 'settings.json'))
    const silent = await runCli(['activate'], elsewhere, { cwd: home.home })
    expect(silent.stderr).toBe('')
  })
})
