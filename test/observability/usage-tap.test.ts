import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import {
  tapResponse,
  type ResponseSummary,
  type TapOptions,
} from '../../src/observability/usage-tap.ts'
import type { StreamEvent } from '../../src/protocol/events.ts'
import { observeMessage } from '../../src/observability/json-observer.ts'
import { fixtureText, sse } from '../helpers.ts'

const turn1 = fixtureText('print-bash', '01-main-turn1-stream.response.sse')
const turn2 = fixtureText('print-bash', '02-main-turn2-tool-result-stream.response.sse')
const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8' }
const jsonHeaders = { 'content-type': 'application/json' }
const encoder = new TextEncoder()

/** The clock every test runs on: the recorded body moves it 10 ms per pull. */
interface Clock {
  time: number
}

type Ending = { kind: 'close' } | { kind: 'error'; error: Error } | { kind: 'silence' }

/**
 * A recorded body, delivered in pieces of `pieceSize` bytes, one per pull and 10 ms apart,
 * then ending as told (`silent` resolves when it falls silent). It never reads ahead, so
 * pulls count what the tap asked for.
 */
function recordedBody(
  text: string,
  options: { clock: Clock; pieceSize?: number; ending?: Ending },
) {
  const bytes = encoder.encode(text)
  const pieceSize = options.pieceSize ?? Math.max(bytes.length, 1)
  const ending = options.ending ?? { kind: 'close' }
  let offset = 0
  let pulls = 0
  let resolveCancelled: (reason: unknown) => void = () => undefined
  const cancelled = new Promise<unknown>((resolve) => (resolveCancelled = resolve))
  let resolveSilent: () => void = () => undefined
  const silent = new Promise<void>((resolve) => (resolveSilent = resolve))
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++
        options.clock.time += 10
        if (offset < bytes.length) {
          controller.enqueue(bytes.slice(offset, offset + pieceSize))
          offset += pieceSize
          return
        }
        if (ending.kind === 'close') return controller.close()
        if (ending.kind === 'error') return controller.error(ending.error)
        resolveSilent()
        return new Promise<void>(() => undefined)
      },
      cancel: resolveCancelled,
    },
    { highWaterMark: 0 },
  )
  return { body, cancelled, silent, pulls: () => pulls }
}

/** `recordedBody` behind `tapResponse`, with the summaries `onDone` received. */
function tapped(
  text: string,
  options: {
    headers?: Record<string, string>
    status?: number
    pieceSize?: number
    ending?: Ending
    tap?: Partial<TapOptions>
  } = {},
) {
  const clock: Clock = { time: 0 }
  const source = recordedBody(text, { clock, pieceSize: options.pieceSize, ending: options.ending })
  const upstream = new Response(source.body, {
    status: options.status ?? 200,
    headers: options.headers ?? sseHeaders,
  })
  const summaries: ResponseSummary[] = []
  const response = tapResponse(upstream, {
    startedAt: 0,
    now: () => clock.time,
    onDone: (summary) => summaries.push(summary),
    ...options.tap,
  })
  return { response, summaries, source, upstream }
}

/** When the byte at `index` reaches the tap, for a body in pieces of `pieceSize`. */
function timeOfByte(index: number, pieceSize: number): number {
  return 10 * (Math.floor(index / pieceSize) + 1)
}

/** The byte index at which the event holding `marker` is complete (its last line end). */
function endOfEventWith(text: string, marker: string, blankLine = '\n\n'): number {
  const end = text.indexOf(blankLine, text.indexOf(marker)) + blankLine.length
  return encoder.encode(text.slice(0, end)).length - 1
}

function pieceCount(text: string, pieceSize: number): number {
  return Math.ceil(encoder.encode(text).length / pieceSize)
}

const turn1Usage = {
  input_tokens: 12311,
  output_tokens: 19,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
}
const turn1StartUsage = { ...turn1Usage, output_tokens: 1 }

describe('recorded Anthropic streams pass through unchanged', () => {
  test('turn 1 (text then tool_use): same bytes, usage and stop reason', async () => {
    const { response, summaries } = tapped(turn1)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(sseHeaders['content-type'])
    expect(await response.text()).toBe(turn1)
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: true,
        complete: true,
        usage: turn1Usage,
        stopReason: 'tool_use',
        model: 'claude-opus-5-5',
        firstByteMs: 10,
        firstTokenMs: 10,
        totalMs: 20,
      },
    ])
  })

  test('turn 2 (final text)', async () => {
    const { response, summaries } = tapped(turn2)
    expect(await response.text()).toBe(turn2)
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: true,
        complete: true,
        usage: {
          input_tokens: 12387,
          output_tokens: 8,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
        },
        stopReason: 'end_turn',
        model: 'claude-opus-5-5',
        firstByteMs: 10,
        firstTokenMs: 10,
        totalMs: 20,
      },
    ])
  })

  for (const pieceSize of [1, 7]) {
    test(`in ${pieceSize}-byte pieces: events split across reads, each chunk passed on`, async () => {
      const { response, summaries } = tapped(turn1, { pieceSize })
      const chunks = await Array.fromAsync(response.body ?? [])
      expect(chunks.length).toBe(pieceCount(turn1, pieceSize))
      expect(chunks.every((chunk) => chunk.byteLength <= pieceSize)).toBe(true)
      expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(turn1)
      expect(summaries).toEqual([
        {
          status: 200,
          streamed: true,
          complete: true,
          usage: turn1Usage,
          stopReason: 'tool_use',
          model: 'claude-opus-5-5',
          firstByteMs: 10,
          firstTokenMs: timeOfByte(endOfEventWith(turn1, 'text_delta'), pieceSize),
          totalMs: 10 * (pieceCount(turn1, pieceSize) + 1),
        },
      ])
    })
  }

  // The same answer as a different server might frame it: CRLF, no `event:` lines, and text
  // whose characters span several bytes, so that small pieces cut through them.
  const reframed = turn1
    .replace("I'll run ", 'Ich führe 🙂 ')
    .replace(/^event: .*\n/gm, '')
    .replaceAll('\n', '\r\n')

  for (const pieceSize of [1, 7]) {
    test(`CRLF, data-only framing and split characters, in ${pieceSize}-byte pieces`, async () => {
      const { response, summaries } = tapped(reframed, { pieceSize })
      expect(await response.text()).toBe(reframed)
      expect(summaries).toEqual([
        {
          status: 200,
          streamed: true,
          complete: true,
          usage: turn1Usage,
          stopReason: 'tool_use',
          model: 'claude-opus-5-5',
          firstByteMs: 10,
          firstTokenMs: timeOfByte(endOfEventWith(reframed, 'text_delta', '\r\n\r\n'), pieceSize),
          totalMs: 10 * (pieceCount(reframed, pieceSize) + 1),
        },
      ])
    })
  }
})

const started: StreamEvent = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'test-model',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 4 },
  },
}
const startedUsage = {
  input_tokens: 10,
  output_tokens: 1,
  cache_read_input_tokens: 4,
  cache_creation_input_tokens: 0,
}

describe('streams that do not finish', () => {
  test('an error event: upstream_error with the error, usage so far', async () => {
    const events: StreamEvent[] = [
      started,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]
    const text = sse(events)
    const { response, summaries } = tapped(text)
    expect(await response.text()).toBe(text)
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: true,
        complete: false,
        failure: 'upstream_error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        usage: startedUsage,
        stopReason: null,
        model: 'test-model',
        firstByteMs: 10,
        firstTokenMs: 10,
        totalMs: 20,
      },
    ])
  })

  const beforeDelta = turn1.slice(0, turn1.indexOf('event: message_delta'))

  test('a stream that ends before message_stop is truncated', async () => {
    const { response, summaries } = tapped(beforeDelta)
    expect(await response.text()).toBe(beforeDelta)
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: true,
        complete: false,
        failure: 'truncated',
        usage: turn1StartUsage,
        stopReason: null,
        model: 'claude-opus-5-5',
        firstByteMs: 10,
        firstTokenMs: 10,
        totalMs: 20,
      },
    ])
  })

  const brokenOff =
    'event: error\ndata: {"type":"error","error":{"type":"api_error",' +
    '"message":"The provider\'s stream broke off: socket hang up"}}\n\n'
  const hangUp: Ending = { kind: 'error', error: new Error('socket hang up') }
  const brokenSummary: ResponseSummary = {
    status: 200,
    streamed: true,
    complete: false,
    failure: 'upstream_error',
    error: { type: 'api_error', message: "The provider's stream broke off: socket hang up" },
    usage: turn1StartUsage,
    stopReason: null,
    model: 'claude-opus-5-5',
    firstByteMs: 10,
    firstTokenMs: 10,
    totalMs: 20,
  }

  test('an upstream body that fails between events ends with an error event', async () => {
    const { response, summaries } = tapped(beforeDelta, { ending: hangUp })
    expect(await response.text()).toBe(beforeDelta + brokenOff)
    expect(summaries).toEqual([brokenSummary])
  })

  test('one that fails inside an event first ends that event with a blank line', async () => {
    const cut = turn1.slice(0, turn1.indexOf('"output_tokens":19'))
    const { response, summaries } = tapped(cut, { ending: hangUp })
    expect(await response.text()).toBe(cut + '\n\n' + brokenOff)
    expect(summaries).toEqual([brokenSummary])
  })

  test('without appendErrorEvent the failure reaches the client as a broken body', async () => {
    const { response, summaries } = tapped(beforeDelta, {
      ending: hangUp,
      tap: { appendErrorEvent: false },
    })
    await expect(response.text()).rejects.toThrow('socket hang up')
    expect(summaries).toEqual([brokenSummary])
  })

  test('a failure after message_stop costs nothing: no error event, complete', async () => {
    const { response, summaries } = tapped(turn1, { ending: hangUp })
    expect(await response.text()).toBe(turn1)
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: true,
        complete: true,
        usage: turn1Usage,
        stopReason: 'tool_use',
        model: 'claude-opus-5-5',
        firstByteMs: 10,
        firstTokenMs: 10,
        totalMs: 20,
      },
    ])
  })
})

describe('the client side', () => {
  test("a client's cancel reaches the upstream body and reports client_closed", async () => {
    const firstEvent = turn1.slice(0, turn1.indexOf('event: content_block_start'))
    const { response, summaries, source } = tapped(firstEvent, { ending: { kind: 'silence' } })
    const reader = response.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(firstEvent)
    // The next read waits on a silent upstream when the client gives up.
    const waiting = reader.read()
    await source.silent
    await reader.cancel('client went away')
    expect(await waiting).toEqual({ done: true, value: undefined })
    expect(await source.cancelled).toBe('client went away')
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: true,
        complete: false,
        failure: 'client_closed',
        usage: turn1StartUsage,
        stopReason: null,
        model: 'claude-opus-5-5',
        firstByteMs: 10,
        totalMs: 20,
      },
    ])
  })

  test('the upstream is read only as fast as the client reads', async () => {
    const { response, source } = tapped(turn1, { pieceSize: 100 })
    const reader = response.body!.getReader()
    expect(source.pulls()).toBe(0)
    await reader.read()
    await reader.read()
    expect(source.pulls()).toBe(2)
    await reader.cancel()
  })

  test('status and headers are kept, in a copy the caller can add to', async () => {
    const { response, upstream } = tapped(turn1, {
      headers: { ...sseHeaders, 'request-id': 'req_1' },
    })
    response.headers.set('x-ccr-provider', 'anthropic')
    expect(Object.fromEntries(response.headers)).toEqual({
      ...sseHeaders,
      'request-id': 'req_1',
      'x-ccr-provider': 'anthropic',
    })
    expect(upstream.headers.has('x-ccr-provider')).toBe(false)
    await response.body?.cancel()
  })

  test('an onDone that throws does not disturb the answer', async () => {
    const { response } = tapped(turn1, {
      tap: {
        onDone: () => {
          throw new Error('recording failed')
        },
      },
    })
    expect(await response.text()).toBe(turn1)
  })
})

describe('JSON responses', () => {
  const recordedJson = (scenario: string, file: string) =>
    JSON.parse(fixtureText(scenario, file)) as {
      status: number
      headers?: Record<string, string>
      body: unknown
    }

  /** The recorded non-streaming answer, and what its summary says whoever reads it. */
  const fallback = () =>
    recordedJson('print-nonstream-fallback', '02-main-turn1-nonstream.response.json')
  const fallbackSummary = {
    status: 200,
    streamed: false,
    complete: true,
    usage: { ...turn1Usage, output_tokens: 43 },
    stopReason: 'tool_use',
    model: 'claude-opus-5-5',
  }

  test('a message (the non-streaming fallback): usage, stop reason, complete', async () => {
    const text = JSON.stringify(fallback().body)
    const { response, summaries } = tapped(text, { headers: jsonHeaders, pieceSize: 64 })
    expect(await response.text()).toBe(text)
    expect(summaries).toEqual([
      { ...fallbackSummary, firstByteMs: 10, totalMs: 10 * (pieceCount(text, 64) + 1) },
    ])
  })

  test('a message its maker observed already: the same response, the same summary, no read', async () => {
    const recorded = fallback()
    const response = Response.json(recorded.body)
    const summaries: ResponseSummary[] = []
    const tapped = tapResponse(response, {
      startedAt: 0,
      now: () => 7,
      observed: observeMessage(recorded.body),
      onDone: (summary) => summaries.push(summary),
    })
    // Passed on as it is: the caller adds its headers to the response the client gets.
    expect(tapped).toBe(response)
    expect(tapped.bodyUsed).toBe(false)
    expect(summaries).toEqual([{ ...fallbackSummary, firstByteMs: 7, totalMs: 7 }])
    expect(await tapped.json()).toEqual(recorded.body)
  })

  test('an error body (529 overloaded): the error, never complete', async () => {
    const recorded = recordedJson(
      'print-retry-429-529',
      '02-main-turn1-stream-err529.response.json',
    )
    const text = JSON.stringify(recorded.body)
    const { response, summaries } = tapped(text, {
      status: recorded.status,
      headers: { ...jsonHeaders, ...recorded.headers },
    })
    expect(response.status).toBe(529)
    expect(response.headers.get('x-should-retry')).toBe('true')
    expect(await response.text()).toBe(text)
    expect(summaries).toEqual([
      {
        status: 529,
        streamed: false,
        complete: false,
        error: { type: 'overloaded_error', message: 'Overloaded' },
        firstByteMs: 10,
        totalMs: 20,
      },
    ])
  })

  test('a JSON body that fails to arrive whole breaks off for the client too', async () => {
    const { response, summaries } = tapped('{"type":"message",', {
      headers: jsonHeaders,
      ending: { kind: 'error', error: new Error('socket hang up') },
    })
    await expect(response.text()).rejects.toThrow('socket hang up')
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: false,
        complete: false,
        failure: 'upstream_error',
        error: { type: 'api_error', message: "The provider's stream broke off: socket hang up" },
        firstByteMs: 10,
        totalMs: 20,
      },
    ])
  })

  test('a message past the 1 MiB bound passes whole, complete, its usage unread', async () => {
    const recorded = recordedJson(
      'print-nonstream-fallback',
      '02-main-turn1-nonstream.response.json',
    )
    const text = JSON.stringify({ ...(recorded.body as object), padding: 'x'.repeat(1024 * 1024) })
    const { response, summaries } = tapped(text, { headers: jsonHeaders, pieceSize: 64 * 1024 })
    expect(await response.text()).toBe(text)
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: false,
        complete: true,
        firstByteMs: 10,
        totalMs: 10 * (pieceCount(text, 64 * 1024) + 1),
      },
    ])
  })

  test('a 2xx JSON body cut short is truncated', async () => {
    const recorded = recordedJson(
      'print-nonstream-fallback',
      '02-main-turn1-nonstream.response.json',
    )
    const text = JSON.stringify(recorded.body).slice(0, 200)
    const { response, summaries } = tapped(text, { headers: jsonHeaders })
    expect(await response.text()).toBe(text)
    expect(summaries).toEqual([
      {
        status: 200,
        streamed: false,
        complete: false,
        failure: 'truncated',
        firstByteMs: 10,
        totalMs: 20,
      },
    ])
  })

  test('a response without a body is reported at once, as an answer that never came', () => {
    const summaries: ResponseSummary[] = []
    const response = tapResponse(new Response(null, { status: 200 }), {
      startedAt: 5,
      now: () => 7,
      onDone: (summary) => summaries.push(summary),
    })
    expect(response.body).toBeNull()
    expect(summaries).toEqual([
      { status: 200, streamed: false, complete: false, failure: 'truncated', totalMs: 2 },
    ])
  })
})

describe('through the official SDK', () => {
  test('a client reads the tapped stream into the same final message', async () => {
    let resolveSummary: (summary: ResponseSummary) => void = () => undefined
    const summary = new Promise<ResponseSummary>((resolve) => (resolveSummary = resolve))
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(request) {
        const upstream = new Response(turn1, { headers: sseHeaders })
        if (new URL(request.url).pathname.startsWith('/raw/')) return upstream
        return tapResponse(upstream, { startedAt: performance.now(), onDone: resolveSummary })
      },
    })
    try {
      const finalMessage = (baseURL: string) =>
        new Anthropic({ baseURL, apiKey: 'x', maxRetries: 0 }).messages
          .stream({
            model: 'claude-opus-5-5',
            max_tokens: 1024,
            messages: [{ role: 'user', content: 'Run echo hello' }],
          })
          .finalMessage()
      const base = `http://127.0.0.1:${server.port}`
      // As JSON: the SDK hangs hidden helper properties on the blocks.
      const viaTap = JSON.parse(JSON.stringify(await finalMessage(base)))
      expect(viaTap).toEqual(JSON.parse(JSON.stringify(await finalMessage(`${base}/raw`))))
      expect(viaTap).toEqual({
        id: 'msg_mock000000000001',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-5-5',
        content: [
          { type: 'text', text: "I'll run the command." },
          {
            type: 'tool_use',
            id: 'toolu_mock000000000001',
            name: 'Bash',
            input: { command: 'echo hello', description: 'Print hello' },
          },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { ...turn1Usage, service_tier: 'standard' },
        // The SDK's own addition, for structured outputs.
        parsed_output: null,
      })
      expect(await summary).toMatchObject({
        status: 200,
        streamed: true,
        complete: true,
        usage: turn1Usage,
        stopReason: 'tool_use',
      })
    } finally {
      await server.stop(true)
    }
  })
})
