import type { ProviderSettings } from '../config/providers.ts'
import { RouterError, messageOf } from '../lib/errors.ts'
import { isRecord } from '../lib/is-record.ts'
import type { PluginContext, PluginProvider, Transformer } from './types.ts'

/** One entry of a provider's chain: the transformer to call, or why there is none. */
export type PluginStep =
  | { name: string; transformer: Transformer; options: Record<string, unknown> }
  | { name: string; failure: string }

/** A provider's plugins for one model, provider-level first, in `use` order. */
export type PluginChain = readonly PluginStep[]

/** A request as it goes on the wire. */
export interface WireRequest {
  url: string
  headers: Record<string, string>
  body: string | Uint8Array
}

export interface ChainCall {
  provider: ProviderSettings
  model: string
  stream: boolean
  /** How long one hook may take (API_TIMEOUT_MS): a plugin that never answers fails the request. */
  timeoutMs: number
}

const decoder = new TextDecoder()

/**
 * The body through each plugin's `transformRequestIn`, in order; each gets what the one before
 * returned. `{ body, config }` answers move the URL and add headers, as in CCR. Parsed from and
 * serialised to JSON here: only a provider with plugins pays for it.
 */
export async function transformRequest(
  chain: PluginChain,
  request: WireRequest,
  call: ChainCall,
): Promise<WireRequest> {
  let body: unknown = JSON.parse(
    typeof request.body === 'string' ? request.body : decoder.decode(request.body),
  )
  let url = request.url
  const headers = { ...request.headers }
  const provider = providerView(call.provider)
  for (const step of chain) {
    const transformer = usable(step)
    if (transformer.transformRequestIn === undefined || !isRecord(body)) continue
    const answer = await runHook(step.name, 'transformRequestIn', call.timeoutMs, () =>
      transformer.transformRequestIn?.(
        body as Record<string, unknown>,
        provider,
        context(call, step),
      ),
    )
    if (isRecord(answer) && isRecord(answer.body)) {
      body = answer.body
      const config = isRecord(answer.config) ? answer.config : {}
      if (typeof config.url === 'string' || config.url instanceof URL) url = String(config.url)
      if (isRecord(config.headers)) {
        for (const [key, value] of Object.entries(config.headers)) headers[key] = String(value)
      }
    } else if (isRecord(answer)) {
      body = answer
    } else {
      throw failed(step.name, 'transformRequestIn', `returned ${describe(answer)}, not a body`)
    }
  }
  for (const [key, value] of Object.entries(headers)) {
    if (value === 'undefined') delete headers[key]
  }
  return { url, headers, body: JSON.stringify(body) }
}

/** The answer through each plugin's `transformResponseOut`, last plugin first (CCR's order). */
export async function transformResponse(
  chain: PluginChain,
  response: Response,
  call: ChainCall,
): Promise<Response> {
  let current = response
  for (let index = chain.length - 1; index >= 0; index--) {
    const step = chain[index]
    if (step === undefined) continue
    const transformer = usable(step)
    if (transformer.transformResponseOut === undefined) continue
    const input = current
    const answer = await runHook(step.name, 'transformResponseOut', call.timeoutMs, () =>
      transformer.transformResponseOut?.(input, context(call, step)),
    )
    if (!(answer instanceof Response)) {
      throw failed(
        step.name,
        'transformResponseOut',
        `returned ${describe(answer)}, not a Response`,
      )
    }
    current = answer
  }
  return current
}

function usable(step: PluginStep): Transformer {
  if ('transformer' in step) return step.transformer
  throw new RouterError('plugin_failed', {
    status: 500,
    message: `plugin "${step.name}" is not loaded: ${step.failure}`,
    hint: 'fix the file; ccr loads it again when it changes',
  })
}

async function runHook(
  name: string,
  hook: string,
  timeoutMs: number,
  run: () => unknown,
): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    // Started inside a promise, so a hook that throws synchronously rejects it.
    return await Promise.race([Promise.resolve().then(run), timeout])
  } catch (error) {
    throw failed(name, hook, messageOf(error), error)
  } finally {
    clearTimeout(timer)
  }
}

function failed(name: string, hook: string, reason: string, cause?: unknown): RouterError {
  return new RouterError('plugin_failed', {
    status: 500,
    message: `plugin "${name}" failed in ${hook}: ${reason}`,
    hint: 'fix the plugin; ccr loads it again when its file changes',
    cause,
  })
}

function providerView(provider: ProviderSettings): PluginProvider {
  return {
    name: provider.name,
    baseUrl: provider.endpoint,
    apiKey: provider.apiKey,
    models: provider.models.map((model) => model.id),
  }
}

function context(call: ChainCall, step: PluginStep): PluginContext {
  return {
    provider: call.provider.name,
    model: call.model,
    protocol: call.provider.protocol,
    stream: call.stream,
    options: 'options' in step ? step.options : {},
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : typeof value
}
