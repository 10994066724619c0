import { RouterError, messageOf } from '../lib/errors.ts'
import type { ProviderCall } from './types.ts'
import {
  transformRequest,
  transformResponse,
  type ChainCall,
  type WireRequest,
} from '../plugins/run-plugins.ts'

export interface UpstreamRequest {
  url: string
  headers: Record<string, string>
  /**
   * The body, or how to make it: given `sendBuffer`, it is made as `fetch`'s own argument, so
   * it may be written into the buffer shared by every request (see `sendBuffer`).
   */
  body: string | Uint8Array | ((buffer: typeof sendBuffer) => string | Uint8Array)
}

/** Request bodies up to this size are built in the shared buffer; larger ones get their own. */
const sharedBufferBytes = 1024 * 1024
let shared = new Uint8Array(0)

/**
 * `length` bytes to build a request body in, from one buffer reused by every request: `fetch`
 * copies a body given as bytes when it is called (the Fetch standard's "extract a body" takes a
 * copy of a BufferSource), so the bytes are free again once it has returned. Only a body made
 * as `fetch`'s argument may use it (`UpstreamRequest.body` as a function): nothing else runs
 * in between, so no other request can write over it first. What it saves is garbage: a new
 * upstream body on every request was a quarter of what a translated request left for the
 * collector (A/B of the binary, medians of 5: concurrency 50 0.253 → 0.219 ms of CPU per
 * request and peak RSS 114.7 → 108.5 MB; a 300 KB conversation 0.736 → 0.638 ms and 129.7 →
 * 122.7 MB). Whoever writes into it writes every byte it sends: a view past what was written
 * would carry another request's bytes.
 */
export function sendBuffer(length: number): Uint8Array {
  if (length > sharedBufferBytes) return new Uint8Array(length)
  if (shared.length < length) {
    shared = new Uint8Array(Math.min(sharedBufferBytes, 2 ** Math.ceil(Math.log2(length))))
  }
  return shared.subarray(0, length)
}

/** What `postUpstream`'s timer settles with: the provider sent no headers within `timeoutMs`. */
const silent = Symbol('silent')

/**
 * Posts to a provider. `timeoutMs` (API_TIMEOUT_MS) bounds how long the provider may stay
 * silent: before its response headers (this function's timer, to the millisecond) and within
 * its answer (Bun's idle timer, to a few seconds), so a long answer that keeps coming is never
 * cut off and a dead connection is. Network failures become retryable `RouterError`s that name
 * the provider and the URL; a client that went away aborts the upstream call.
 *
 * The fetch gets the client's own signal, not one combined with a timeout's (`AbortSignal.any`):
 * those two signals per request lengthened every garbage collection by ~0.1 ms (p99 at
 * concurrency 1 by ~0.3 ms). So a fetch the timer gave up on is not aborted: if its answer still
 * comes, its body is cancelled at once; if not, Bun's idle timer ends it moments later, since it
 * has been silent as long.
 *
 * A provider's plugins run around the post: the body through each `transformRequestIn`, a
 * successful answer through each `transformResponseOut` (`run-plugins.ts`).
 */
export async function postUpstream(
  call: Pick<ProviderCall, 'provider' | 'model' | 'request' | 'signal' | 'timeoutMs' | 'proxy'> &
    Partial<Pick<ProviderCall, 'plugins'>>,
  upstream: UpstreamRequest,
): Promise<Response> {
  const plugins = call.plugins
  if (plugins === undefined) return post(call, upstream)
  const chainCall: ChainCall = {
    provider: call.provider,
    model: call.model,
    stream: call.request.stream === true,
    timeoutMs: call.timeoutMs,
  }
  const response = await post(call, await transformRequest(plugins, ownBody(upstream), chainCall))
  if (!response.ok) return response
  return transformResponse(plugins, response, chainCall).catch((error: unknown) => {
    response.body?.cancel().catch(noop)
    throw error
  })
}

async function post(
  call: Pick<ProviderCall, 'provider' | 'signal' | 'timeoutMs' | 'proxy'>,
  request: UpstreamRequest,
): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<typeof silent>((resolve) => {
    timer = setTimeout(() => resolve(silent), call.timeoutMs)
  })
  try {
    const answer = fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: typeof request.body === 'function' ? request.body(sendBuffer) : request.body,
      signal: call.signal,
      // Without it Bun cuts any fetch silent for 5 minutes (BUN_CONFIG_HTTP_IDLE_TIMEOUT): a slow
      // provider would fail before API_TIMEOUT_MS (10 minutes by default) had passed.
      timeout: call.timeoutMs,
      ...(call.proxy === undefined ? {} : { proxy: call.proxy }),
    })
    const first = await Promise.race([answer, timedOut])
    if (first !== silent) return first
    answer.then((late) => late.body?.cancel().catch(noop), noop)
    throw new RouterError('upstream_timeout', {
      status: 504,
      retryable: true,
      message: `Provider "${call.provider.name}" did not answer within ${call.timeoutMs} ms (${request.url})`,
      hint: 'raise API_TIMEOUT_MS in config.json if the model is slow to start',
    })
  } catch (error) {
    if (error instanceof RouterError || call.signal.aborted) throw error
    throw new RouterError('upstream_unreachable', {
      status: 502,
      errorType: 'api_error',
      retryable: true,
      message: `ccr could not reach provider "${call.provider.name}" at ${request.url}: ${networkReason(error)}`,
      hint: "check the provider's api_base_url, that the server is running, and PROXY_URL",
      cause: error,
    })
  } finally {
    clearTimeout(timer)
  }
}

const noop = () => {}

/** The request with a body of its own: plugins run between its making and `fetch`. */
function ownBody(request: UpstreamRequest): WireRequest {
  const body = request.body
  return {
    url: request.url,
    headers: request.headers,
    body: typeof body === 'function' ? body((length) => new Uint8Array(length)) : body,
  }
}

function networkReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? `${code} (${messageOf(error)})` : messageOf(error)
}
