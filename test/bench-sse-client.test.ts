import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './helpers.ts'

// The load generator as a process against a server that notes when each request arrives. Only
// lower bounds are asserted (a sleep never ends early), so a busy machine cannot fail it.
async function arrivals(extraArgs: string[]): Promise<{ at: number[]; result: unknown }> {
  const at: number[] = []
  using server = Bun.serve({
    port: 0,
    async fetch(request) {
      at.push(performance.now())
      await request.arrayBuffer()
      // As long as the spread: no worker starts a second stream before the last has started.
      await Bun.sleep(700)
      return new Response('data: {}\n\nevent: message_stop\n\n', {
        headers: { 'content-type': 'text/event-stream' },
      })
    },
  })
  const directory = mkdtempSync(join(tmpdir(), 'ccr-sse-client-'))
  try {
    writeFileSync(join(directory, 'body.json'), '{}')
    writeFileSync(join(directory, 'headers.txt'), 'content-type: application/json\n')
    const child = Bun.spawn(
      [
        process.execPath,
        'bench/sse-client.ts',
        `--url=${server.url}`,
        `--body=${join(directory, 'body.json')}`,
        `--headers=${join(directory, 'headers.txt')}`,
        '--concurrency=3',
        '--requests=3',
        '--expect=message_stop',
        ...extraArgs,
      ],
      { cwd: repoRoot, stdout: 'pipe', stderr: 'inherit' },
    )
    const [stdout, exitCode] = await Promise.all([new Response(child.stdout).text(), child.exited])
    expect(exitCode).toBe(0)
    return { at, result: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

test('--spread starts the workers apart, so equal streams do not arrive in step', async () => {
  const { at, result } = await arrivals(['--spread=600'])
  expect(result).toMatchObject({ requests: 3, errors: 0 })
  expect(at).toHaveLength(3)
  // Worker i starts i × 600 / 3 ms in.
  const [first = 0, second = 0, third = 0] = at
  expect(second - first).toBeGreaterThanOrEqual(190)
  expect(third - second).toBeGreaterThanOrEqual(190)
})
