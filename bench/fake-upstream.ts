/**
 * A fake model provider for the benchmark: one Bun.serve process that answers
 *
 *   POST /v1/chat/completions, /p/<profile>/v1/chat/completions   OpenAI JSON, or SSE if stream
 *   POST /v1/messages,         /p/<profile>/v1/messages           Anthropic JSON, or SSE if stream
 *   GET  /stats  (POST /stats/reset)                              request count and body bytes
 *
 * The answer's shape is the profile in the path (`c100-f50-g10-t1`: 100 chunks, 50 ms to the
 * first byte, 10 ms between chunks, a tool call; see fake-profile.ts); a bare path uses the
 * default from FAKE_CHUNKS, FAKE_FIRST_BYTE_MS, FAKE_GAP_MS and FAKE_TOOLS. The path carries
 * it because a router does not forward a client's headers to an OpenAI upstream. Every answer
 * is encoded once and then served from memory; the request body is always read in full.
 *
 * Prints `{"port":N}` on stdout once listening (FAKE_PORT, default 0: any free port).
 */
import { answerContent, type EncodedAnswer } from './fake-answers.ts'
import { anthropicJson, anthropicStream } from './anthropic-answers.ts'
import { openAIJson, openAIStream } from './openai-answers.ts'
import { parseProfile, profileFromEnv, profileSegment, type FakeProfile } from './fake-profile.ts'

type Protocol = 'openai' | 'anthropic'

const defaults = profileFromEnv(process.env)
const encoded = new Map<string, { answer: EncodedAnswer; whole: Blob }>()
const streamFlags = ['"stream":true', '"stream": true']
const seen = {
  requests: 0,
  bodyBytes: 0,
  byPath: {} as Record<string, { requests: number; bodyBytes: number }>,
}

function answerFor(protocol: Protocol, stream: boolean, profile: FakeProfile) {
  const key = `${protocol} ${stream} ${profileSegment(profile)}`
  let entry = encoded.get(key)
  if (entry === undefined) {
    const content = answerContent(profile)
    const answer =
      protocol === 'openai'
        ? (stream ? openAIStream : openAIJson)(content)
        : (stream ? anthropicStream : anthropicJson)(content)
    entry = { answer, whole: new Blob([answer.whole]) }
    encoded.set(key, entry)
  }
  return entry
}

function count(path: string, bytes: number) {
  seen.requests++
  seen.bodyBytes += bytes
  const entry = (seen.byPath[path] ??= { requests: 0, bodyBytes: 0 })
  entry.requests++
  entry.bodyBytes += bytes
}

async function answer(request: Request, protocol: Protocol, profile: FakeProfile | undefined) {
  const body = Buffer.from(await request.arrayBuffer())
  count(new URL(request.url).pathname, body.byteLength)
  if (profile === undefined) return new Response('unknown profile', { status: 404 })
  const stream = streamFlags.some((flag) => body.includes(flag))
  const { answer: encodedAnswer, whole } = answerFor(protocol, stream, profile)
  const headers = stream
    ? { 'content-type': encodedAnswer.contentType, 'cache-control': 'no-cache' }
    : { 'content-type': encodedAnswer.contentType }
  if (!stream || (profile.firstByteMs === 0 && profile.gapMs === 0))
    return new Response(whole, { headers })
  return new Response(paced(encodedAnswer.units, profile), { headers })
}

/** The units one by one: the first after `firstByteMs`, each next one `gapMs` later. */
function paced(units: Uint8Array[], profile: FakeProfile): ReadableStream<Uint8Array> {
  let index = 0
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        await Bun.sleep(index === 0 ? profile.firstByteMs : profile.gapMs)
        const unit = units[index++]
        if (unit !== undefined) controller.enqueue(unit)
        if (index >= units.length) controller.close()
      },
    },
    { highWaterMark: 0 },
  )
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.FAKE_PORT ?? 0),
  idleTimeout: 0,
  routes: {
    '/health': new Response('ok'),
    '/stats': {
      GET: () => Response.json(seen),
      POST: () => {
        seen.requests = 0
        seen.bodyBytes = 0
        seen.byPath = {}
        return Response.json(seen)
      },
    },
    '/v1/chat/completions': { POST: (request) => answer(request, 'openai', defaults) },
    '/p/:profile/v1/chat/completions': {
      POST: (request) => answer(request, 'openai', parseProfile(request.params.profile)),
    },
    '/v1/messages': { POST: (request) => answer(request, 'anthropic', defaults) },
    '/p/:profile/v1/messages': {
      POST: (request) => answer(request, 'anthropic', parseProfile(request.params.profile)),
    },
  },
  fetch: () => new Response('not found', { status: 404 }),
})

process.stdout.write(`${JSON.stringify({ port: server.port })}\n`)
process.once('SIGTERM', () => {
  void server.stop(true)
  process.exit(0)
})
