import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/db.ts'
import { createLearnedFacts } from '../../src/store/learned.ts'
import {
  anthropicAnswer,
  baseEnv,
  fakeUpstream,
  freePort,
  healthOf,
  mainEntry,
  routerHomes,
  runCli,
  sse,
  waitFor,
} from '../helpers.ts'

/** Homes whose routers must be stopped when the file is done, whatever happened. */
const homes = routerHomes()
afterAll(() => homes.cleanUp())

function home(config?: unknown) {
  const created = homes.create(config)
  return created
}

function providerConfig(
  port: number,
  upstreamUrl: string,
  name = 'up',
  extra: Record<string, unknown> = {},
) {
  return {
    PORT: port,
    Providers: [
      {
        name,
        api_base_url: `${upstreamUrl}/v1/messages`,
        api_key: `${name}-key-secret`,
        models: ['m'],
      },
    ],
    Router: { default: `${name},m` },
    ...extra,
  }
}

/** `ccr start` in the foreground as a child process. */
function startForeground(ccrHome: string, env: Record<string, string> = {}) {
  return Bun.spawn([process.execPath, mainEntry, 'start'], {
    env: baseEnv({ CCR_HOME: ccrHome, ...env }),
    stdout: 'pipe',
    stderr: 'pipe',
  })
}

/** A process's threads: id, name and nice value, from `/proc`. */
function threadsOf(pid: number): { id: number; name: string; nice: number }[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((id) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${id}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      // The fields after the name, from the state (field 3) on: nice is field 19.
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
      return [{ id: Number(id), name, nice }]
    } catch {
      return []
    }
  })
}

const message = JSON.stringify({
  model: 'claude-opus-5-5',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'hi' }],
})

describe('ccr start (foreground)', () => {
  test('serves /health, then drains and exits 0 on SIGTERM', async () => {
    const port = freePort()
    const ccrHome = home(providerConfig(port, 'http://127.0.0.1:9'))
    const child = startForeground(ccrHome.home)
    const health = await waitFor(() => healthOf(`http://127.0.0.1:${port}`), 'the router')
    expect(health).toMatchObject({
      status: 'ok',
      service: 'ccr',
      pid: child.pid,
      config: ccrHome.configFile,
    })
    child.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    const stderr = await new Response(child.stderr).text()
    expect(stderr).toContain(`listening on http://127.0.0.1:${port}`)
    expect(stderr).toContain('ccr stopped')
  })

  test('keeps serving when nobody reads its log lines any more', async () => {
    using upstream = fakeUpstream(() => anthropicAnswer('hello'))
    const port = freePort()
    const ccrHome = home(providerConfig(port, upstream.url))
    const child = startForeground(ccrHome.home)
    const url = `http://127.0.0.1:${port}`
    await waitFor(() => healthOf(url), 'the router')
    // The terminal goes away: stderr's reader closes, and every later log line fails (EPIPE).
    const reader = child.stderr.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('listening on')
    await reader.cancel()
    for (let turn = 0; turn < 20; turn++) {
      const response = await fetch(`${url}/v1/messages`, { method: 'POST', body: message })
      expect(response.status).toBe(200)
      expect(((await response.json()) as { content: unknown[] }).content).toHaveLength(1)
    }
    expect(await healthOf(url)).toMatchObject({ status: 'ok', pid: child.pid })
    expect(child.exitCode).toBeNull()
    child.kill('SIGTERM')
    expect(await child.exited).toBe(0)
  })

  test.skipIf(!existsSync('/proc/self/task'))(
    "runs the runtime's compiler threads at the lowest priority, the request thread at its own",
    async () => {
      using upstream = fakeUpstream(() => anthropicAnswer('hello'))
      const port = freePort()
      const ccrHome = home(providerConfig(port, upstream.url))
      // The optimising compilers start after a few runs of a function instead of thousands.
      const child = startForeground(ccrHome.home, {
        BUN_JSC_thresholdForJITAfterWarmUp: '5',
        BUN_JSC_thresholdForOptimizeAfterWarmUp: '20',
        BUN_JSC_thresholdForFTLOptimizeAfterWarmUp: '50',
      })
      const url = `http://127.0.0.1:${port}`
      await waitFor(() => healthOf(url), 'the router')
      for (let turn = 0; turn < 100; turn++) {
        const response = await fetch(`${url}/v1/messages`, { method: 'POST', body: message })
        expect(response.status).toBe(200)
        await response.arrayBuffer()
      }
      const compilers = await waitFor(
        () => {
          const found = threadsOf(child.pid).filter((thread) => thread.name.startsWith('JITWorker'))
          return found.length > 0 && found.every((thread) => thread.nice === 19) ? found : undefined
        },
        'compiler threads at nice 19',
        3000,
      )
      expect(compilers.length).toBeGreaterThan(0)
      const main = threadsOf(child.pid).find((thread) => thread.id === child.pid)
      // The request thread keeps the priority it was started with, this process's.
      expect(main?.nice).toBe(getPriority())
      child.kill('SIGTERM')
      expect(await child.exited).toBe(0)
    },
  )

  test('lets an in-flight stream finish after a stop signal, refusing new connections', async () => {
    const release = Promise.withResolvers<void>()
    const encoder = new TextEncoder()
    using upstream = fakeUpstream(
      () =>
        new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(encoder.encode(sse([{ type: 'message_start' }])))
              await release.promise
              controller.enqueue(encoder.encode(sse([{ type: 'message_stop' }])))
              controller.close()
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    )
    const port = freePort()
    const ccrHome = home(providerConfig(port, upstream.url))
    const child = startForeground(ccrHome.home)
    const url = `http://127.0.0.1:${port}`
    await waitFor(() => healthOf(url), 'the router')

    const response = await fetch(`${url}/v1/messages`, { method: 'POST', body: message })
    const reader = response.body!.getReader()
    await reader.read()
    child.kill('SIGTERM')
    // New connections are refused once draining began, while the stream is still open.
    await waitFor(
      async () => ((await healthOf(url)) === undefined ? true : undefined),
      'the listener to close',
    )
    release.resolve()
    let rest = ''
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += new TextDecoder().decode(next.value)
    expect(rest).toBe(sse([{ type: 'message_stop' }]))
    expect(await child.exited).toBe(0)
  })

  test('without a config file, starts on the embedded default and says where the config goes', async () => {
    const ccrHome = home()
    const port = freePort()
    // SERVICE_PORT (a CCR variable) overrides the default 3456, which may be taken here.
    const child = Bun.spawn([process.execPath, mainEntry, 'start'], {
      env: baseEnv({ CCR_HOME: ccrHome.home, SERVICE_PORT: String(port) }),
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const health = await waitFor(() => healthOf(`http://127.0.0.1:${port}`), 'the router')
    expect(health).toMatchObject({
      config: null,
      providers: [{ name: 'ollama', protocol: 'openai', models: ['qwen2.5-coder:latest'] }],
    })
    child.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    const stderr = await new Response(child.stderr).text()
    expect(stderr).toContain(
      `no config at ${ccrHome.configFile}: using the embedded default, a local Ollama at 127.0.0.1:11434 with no key`,
    )
    expect(stderr).toContain('To add a provider, run `ccr init` or write that file')
  })

  test('an invalid config fails with every problem listed and a non-zero exit', async () => {
    const ccrHome = home(
      '{ PORT: "abc", Providers: [{ name: "deepseek", api_base_url: "deepseek" }], }',
    )
    const result = await runCli(['start'], { CCR_HOME: ccrHome.home })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toBe(
      `ccr start: error: ${ccrHome.configFile}: 2 problems\n` +
        '  PORT: expected a whole number, got "abc"\n' +
        '    hint: an integer from 1 to 65535\n' +
        '  Providers[0].api_base_url: expected a URL, got "deepseek"\n' +
        '    hint: the full endpoint URL, e.g. "https://api.deepseek.com/chat/completions"\n',
    )
  })

  test('refuses a non-loopback HOST without APIKEY', async () => {
    const ccrHome = home({ HOST: '0.0.0.0', PORT: freePort() })
    const result = await runCli(['start'], { CCR_HOME: ccrHome.home })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without APIKEY')
    expect(result.stderr).toContain('hint: set APIKEY in config.json')
  })

  test('says what holds a port that is taken: another program, or ccr', async () => {
    const other = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () => new Response('not ccr', { status: 404 }),
    })
    try {
      const ccrHome = home(providerConfig(other.port!, 'http://127.0.0.1:9'))
      const result = await runCli(['start'], { CCR_HOME: ccrHome.home })
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toContain(
        `port ${other.port} is in use by another program (bun, pid ${process.pid})`,
      )
    } finally {
      other.stop(true)
    }

    const port = freePort()
    const ccrHome = home(providerConfig(port, 'http://127.0.0.1:9'))
    expect((await runCli(['start', '-d'], { CCR_HOME: ccrHome.home })).exitCode).toBe(0)
    const second = await runCli(['start'], { CCR_HOME: ccrHome.home })
    expect(second.exitCode).toBe(1)
    expect(second.stderr).toMatch(
      new RegExp(`ccr [\\d.]+ is already running at http://127.0.0.1:${port} \\(pid \\d+\\)`),
    )
    expect((await runCli(['stop'], { CCR_HOME: ccrHome.home })).exitCode).toBe(0)
  })
})

describe('start -d, status, stop, restart', () => {
  test('run the router in the background and report on it', async () => {
    const port = freePort()
    const ccrHome = home(providerConfig(port, 'http://127.0.0.1:9'))
    const env = { CCR_HOME: ccrHome.home }

    mkdirSync(join(ccrHome.home, 'plugins'))
    writeFileSync(
      join(ccrHome.home, 'plugins', 'good.js'),
      "module.exports = { name: 'good', transformRequestIn: (body) => body }\n",
    )
    writeFileSync(join(ccrHome.home, 'plugins', 'bad.mjs'), 'export default {\n')
    // Something a provider told an earlier run, kept in the store.
    const store = openStore(join(ccrHome.home, 'ccr.db'))
    const learned = createLearnedFacts({ db: store })
    learned.learnContextWindow('http://127.0.0.1:9/v1/messages', 'm', 32768)
    learned.learnNeed('tools_as_text', 'http://127.0.0.1:9/v1/messages', 'm')
    learned.flush()
    store.close()

    const notRunning = await runCli(['status'], env)
    expect(notRunning.exitCode).toBe(1)
    expect(notRunning.stdout).toContain(
      `ccr is not running (nothing answers at http://127.0.0.1:${port})`,
    )

    const started = await runCli(['start', '-d'], env)
    expect(started.exitCode).toBe(0)
    expect(started.stdout).toMatch(
      new RegExp(`^ccr started at http://127.0.0.1:${port} \\(pid \\d+\\)\n$`),
    )
    const again = await runCli(['start', '--daemon'], env)
    expect(again.stdout).toContain('ccr is already running')

    const status = await runCli(['status'], env)
    expect(status.exitCode).toBe(0)
    expect(status.stdout).toContain(`is running at http://127.0.0.1:${port}`)
    expect(status.stdout).toContain(`config    ${ccrHome.configFile}`)
    expect(status.stdout).toContain('providers up (anthropic)')
    // The user's plugins, not the built-ins; a broken one with its reason.
    expect(status.stdout).toContain('plugins   good, bad (not loaded: ')
    expect(status.stdout).toContain(
      '  learned   up,m: context window 32768 tokens, as its provider said\n' +
        '            up,m: tools described in the prompt, calls read from text',
    )
    const json = JSON.parse((await runCli(['status', '--json'], env)).stdout)
    expect(json).toMatchObject({ state: 'ccr', health: { service: 'ccr', config_generation: 1 } })
    const firstPid = json.health.pid

    const restarted = await runCli(['restart'], env)
    expect(restarted.exitCode).toBe(0)
    expect(restarted.stdout).toContain(`ccr stopped (pid ${firstPid})`)
    const secondPid = (await healthOf(`http://127.0.0.1:${port}`))?.pid
    expect(secondPid).not.toBe(firstPid)

    const stopped = await runCli(['stop'], env)
    expect(stopped).toEqual({ exitCode: 0, stdout: `ccr stopped (pid ${secondPid})\n`, stderr: '' })
    expect(await healthOf(`http://127.0.0.1:${port}`)).toBeUndefined()
    expect((await runCli(['stop'], env)).stdout).toBe(
      `ccr is not running at http://127.0.0.1:${port}\n`,
    )
  })

  test('unknown flags are errors, and --help describes a command', async () => {
    const result = await runCli(['stop', '--force'], { CCR_HOME: '/nonexistent' })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toBe(
      'ccr stop: error: unknown argument "--force"\nhint: this command takes no arguments\n',
    )
    const help = await runCli(['status', '--help'], {})
    expect(help.stdout).toBe(
      'Usage: ccr status [--json]\n\nSay whether the router runs, where, and with which providers\n',
    )
  })
})

describe('hot reload', () => {
  test('a valid edit applies to the next request; an invalid one keeps the last good config', async () => {
    using first = fakeUpstream(() => Response.json({ from: 'first' }))
    using second = fakeUpstream(() => Response.json({ from: 'second' }))
    const port = freePort()
    const ccrHome = home(providerConfig(port, first.url, 'first'))
    const child = startForeground(ccrHome.home)
    const url = `http://127.0.0.1:${port}`
    try {
      await waitFor(() => healthOf(url), 'the router')
      const ask = async () =>
        (
          (await (await fetch(`${url}/v1/messages`, { method: 'POST', body: message })).json()) as {
            from: string
          }
        ).from
      expect(await ask()).toBe('first')

      writeFileSync(ccrHome.configFile, JSON.stringify(providerConfig(port, second.url, 'second')))
      await waitFor(
        async () => ((await healthOf(url))?.config_generation === 2 ? true : undefined),
        'the reload',
      )
      expect(await ask()).toBe('second')

      writeFileSync(ccrHome.configFile, '{ "Providers": [ { "name": "broken" ')
      const logFile = join(ccrHome.home, 'logs', 'ccr.log')
      const line = await waitFor(() => {
        const lines = readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .map((text) => JSON.parse(text))
        return lines.find(
          (entry) =>
            entry.msg === 'config.json was not reloaded; the last good config stays in force',
        )
      }, 'the reload error in the log')
      expect(line.problems).toEqual([
        {
          path: '',
          message: expect.stringContaining('not valid JSON5: invalid end of input'),
          hint: 'JSON with comments and trailing commas is fine',
        },
      ])
      expect(await ask()).toBe('second')
      expect((await healthOf(url))?.config_generation).toBe(2)
      expect(readFileSync(logFile, 'utf8')).not.toContain('second-key-secret')
    } finally {
      child.kill('SIGTERM')
      await child.exited
    }
  })
})
