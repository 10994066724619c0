import { routerProcessEnv } from '../src/service/daemon.ts'
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { repoRoot } from './bodies.ts'
import { pinned } from './pinning.ts'

/** A process the benchmark started, and how to end it. */
export interface Started {
  pid: number
  url: string
  process: Subprocess
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>
}

function stopper(child: Subprocess) {
  return async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await child.exited
    clearTimeout(timer)
  }
}

/** Starts the fake upstream and waits for the port it prints. */
export function startFake(core: number | undefined): Promise<Started> {
  const script = join(import.meta.dir, 'fake-upstream.ts')
  return startListener(pinned(core, [process.execPath, script]), { FAKE_PORT: '0' })
}

/**
 * Starts the bare pass-through proxy in front of `upstream` and waits for its port; `json`
 * makes it the JSON floor, run with the runtime settings ccr's router gets.
 */
export function startBareProxy(
  upstream: string,
  core: number | undefined,
  options: { json?: boolean } = {},
): Promise<Started> {
  const script = join(import.meta.dir, 'bare-proxy.ts')
  const env = { BARE_UPSTREAM: upstream, BARE_PORT: '0' }
  const json = { ...routerProcessEnv({}), BARE_JSON: '1' } as Record<string, string>
  return startListener(
    pinned(core, [process.execPath, script]),
    options.json ? { ...env, ...json } : env,
  )
}

/** Runs a process that prints `{"port":N}` once it listens, and waits for that line. */
async function startListener(argv: string[], env: Record<string, string>): Promise<Started> {
  const child = Bun.spawn(argv, {
    env: { ...process.env, ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = child.stdout.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!text.includes('\n')) {
    const next = await reader.read()
    if (next.done) throw new Error(`${argv.join(' ')} exited before it listened`)
    text += decoder.decode(next.value, { stream: true })
  }
  reader.releaseLock()
  const { port } = JSON.parse(text.split('\n')[0] ?? '{}') as { port: number }
  return { pid: child.pid, url: `http://127.0.0.1:${port}`, process: child, stop: stopper(child) }
}

/** Compiles ccr into `directory` with the project's own build script; returns the binary. */
export async function buildBinary(directory: string): Promise<string> {
  const outfile = join(directory, 'ccr')
  await runToEnd([process.execPath, 'build.ts', `--outfile=${outfile}`], { cwd: repoRoot })
  return outfile
}

/**
 * Runs a command to its end with its output read whole; a non-zero exit throws with what it
 * printed. The child is returned for its resource usage.
 */
export async function runToEnd(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ stdout: string; child: Subprocess }> {
  const child = Bun.spawn(argv, { ...options, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${exitCode}:\n${stdout}${stderr}`)
  return { stdout, child }
}

/** Writes a ccr home: `config.json`, and `logs/` for the router's own output. */
export function writeHome(home: string, config: unknown): void {
  mkdirSync(join(home, 'logs'), { recursive: true })
  writeFileSync(join(home, 'config.json'), `${JSON.stringify(config, null, 2)}\n`)
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = server.port ?? 0
  void server.stop(true)
  return port
}

/**
 * Starts `command start` with `CCR_HOME=home` (the router in the foreground, as `ccr start`
 * runs it) and waits for `/health`. Its stderr goes to `logs/stderr.log` in the home.
 */
export async function startRouter(options: {
  command: string[]
  home: string
  port: number
  core: number | undefined
  env?: Record<string, string>
}): Promise<Started & { healthyAfterMs: number }> {
  const output = openSync(join(options.home, 'logs', 'stderr.log'), 'a')
  const started = performance.now()
  const child = Bun.spawn(pinned(options.core, [...options.command, 'start']), {
    // The environment `ccr code` and `ccr start -d` give the router they start.
    env: routerProcessEnv({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.home,
      CCR_HOME: options.home,
      ...options.env,
      // To compare runtime settings: BENCH_ROUTER_ENV='{"BUN_JSC_forceRAMSize":"0"}'.
      ...(JSON.parse(process.env.BENCH_ROUTER_ENV ?? '{}') as Record<string, string>),
    }) as Record<string, string>,
    stdin: 'ignore',
    stdout: output,
    stderr: output,
  })
  closeSync(output)
  const url = `http://127.0.0.1:${options.port}`
  const healthyAfterMs = await waitForHealth(url, child, started).catch((error: unknown) => {
    const log = readFileSync(join(options.home, 'logs', 'stderr.log'), 'utf8')
    throw new Error(`${String(error)}; its output:\n${log.slice(-2000)}`)
  })
  return { pid: child.pid, url, process: child, stop: stopper(child), healthyAfterMs }
}

/** Polls `/health` every millisecond; returns the time from `since` to the first 200. */
export async function waitForHealth(
  url: string,
  child: Subprocess,
  since: number,
  timeoutMs = 30_000,
): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`the router exited with ${child.exitCode}`)
    try {
      const response = await fetch(`${url}/health`)
      if (response.ok) {
        const at = performance.now() - since
        await response.arrayBuffer()
        return at
      }
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(1)
  }
  throw new Error(`no /health from ${url} within ${timeoutMs} ms`)
}
