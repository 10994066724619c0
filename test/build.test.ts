import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBinary } from '../bench/processes.ts'
import packageJson from '../package.json' with { type: 'json' }
import { baseEnv, freePort, healthOf, tempHome, waitFor } from './helpers.ts'

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
})
