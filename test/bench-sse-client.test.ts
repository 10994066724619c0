import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { turnMarker, turnVariantCount } from '../bench/turn-variants.ts'
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

/** Runs a load generator as a process against a server that keeps each body it is sent. */
async function bodiesSent(
  command: (url: string, bodyFile: string, headersFile: string) => string[],
) {
  const bodies: string[] = []
  using server = Bun.serve({
    port: 0,
    async fetch(request) {
      bodies.push(await request.text())
      return Response.json({ ok: true })
    },
  })
  const directory = mkdtempSync(join(tmpdir(), 'ccr-turns-'))
  try {
    const bodyFile = join(directory, 'body.json')
    const headersFile = join(directory, 'headers.txt')
    writeFileSync(
      bodyFile,
      JSON.stringify({ messages: [{ role: 'user', content: `Turn ${turnMarker}.` }] }),
    )
    writeFileSync(headersFile, 'content-type: application/json\n')
    const child = Bun.spawn(command(server.url.href, bodyFile, headersFile), {
      cwd: repoRoot,
      stdout: 'ignore',
      stderr: 'inherit',
    })
    expect(await child.exited).toBe(0)
    return bodies
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

const turnsOf = (bodies: string[]) =>
  new Set(bodies.map((body) => /#turn-(\d{4})#/.exec(body)?.[1]))

test('the Bun client numbers each request’s newest turn: no conversation is sent twice in a row', async () => {
  const bodies = await bodiesSent((url, body, headers) => [
    process.execPath,
    'bench/sse-client.ts',
    `--url=${url}`,
    `--body=${body}`,
    `--headers=${headers}`,
    '--concurrency=1',
    '--requests=70',
  ])
  expect(bodies).toHaveLength(70)
  expect(turnsOf(bodies).size).toBe(turnVariantCount)
  expect(turnsOf(bodies).has(undefined)).toBe(false)
  expect(new Set(bodies.map((body) => body.length)).size).toBe(1)
})

test.skipIf(Bun.which('wrk') === null)(
  'wrk numbers the newest turn as the Bun client does',
  async () => {
    const bodies = await bodiesSent((url, body, headers) => [
      'env',
      `BENCH_BODY=${body}`,
      `BENCH_HEADERS=${headers}`,
      'wrk',
      '-t1',
      '-c1',
      '-d1s',
      '-s',
      'bench/wrk-post.lua',
      url,
    ])
    expect(bodies.length).toBeGreaterThan(64)
    expect(turnsOf(bodies).size).toBe(turnVariantCount)
    expect(turnsOf(bodies).has(undefined)).toBe(false)
  },
)
