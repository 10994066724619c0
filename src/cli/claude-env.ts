import type { ActiveConfig } from '../config/active.ts'
import type { Env } from '../config/file.ts'
import type { Config, RouteRef } from '../config/schema.ts'
import { effectiveModel } from '../pricing/catalog.ts'
import { resolveReference } from '../router/route.ts'
import { backgroundMarker } from '../router/signals.ts'

/** Variables that would send Claude Code around the router, removed from its environment. */
const bypassVariables = [
  'ANTHROPIC_API_KEY',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
] as const

/** Placeholder token when the router has no APIKEY: Claude Code insists on some credential. */
export const placeholderToken = 'ccr-local'

export interface RouterEnvironment {
  set: Record<string, string>
  unset: string[]
  /** Set only where the person has not: their environment and settings files come first. */
  defaults: Record<string, string>
}

/**
 * What Claude Code (or an Agent SDK app) needs to talk to the router: its URL, a token, the
 * timeout, no telemetry, and the router's host exempt from any HTTP proxy. A shell
 * `ANTHROPIC_API_KEY` is removed: Claude Code would send it too, and to the router.
 */
export function routerEnvironment(
  config: Pick<
    Config,
    'APIKEY' | 'API_TIMEOUT_MS' | 'ANTHROPIC_SMALL_FAST_MODEL' | 'NON_INTERACTIVE_MODE'
  >,
  url: string,
  env: Env,
  /** The directory Claude Code works in, sent as `x-ccr-project` for per-project routing. */
  project?: string,
  /** The context window Claude Code should compact within (`routedWindow`). */
  contextWindow?: number,
): RouterEnvironment {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  const set: Record<string, string> = {
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_AUTH_TOKEN: config.APIKEY === '' ? placeholderToken : config.APIKEY,
    API_TIMEOUT_MS: String(config.API_TIMEOUT_MS),
    DISABLE_TELEMETRY: '1',
    DISABLE_COST_WARNINGS: '1',
    NO_PROXY: withHosts(env.NO_PROXY ?? env.no_proxy, [host, '127.0.0.1', 'localhost']),
  }
  set.no_proxy = set.NO_PROXY ?? ''
  // Claude Code's small/fast calls get a name the router recognises as background work.
  const background = config.ANTHROPIC_SMALL_FAST_MODEL ?? backgroundMarker
  for (const key of ['ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_SMALL_FAST_MODEL'] as const) {
    if ((env[key] ?? '') === '' || config.ANTHROPIC_SMALL_FAST_MODEL !== undefined)
      set[key] = background
  }
  if (project !== undefined) {
    // Claude Code's format: one "Name: value" per line, added to every request.
    const existing = (env.ANTHROPIC_CUSTOM_HEADERS ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !/^x-ccr-project\s*:/i.test(line))
    set.ANTHROPIC_CUSTOM_HEADERS = [...existing, `x-ccr-project: ${project}`].join('\n')
  }
  if (config.NON_INTERACTIVE_MODE) {
    Object.assign(set, { CI: 'true', FORCE_COLOR: '0', NODE_NO_READLINE: '1', TERM: 'dumb' })
  }
  const defaults: Record<string, string> = {}
  // Claude Code compacts the conversation as it nears its own model's window (200 000 tokens
  // and up), which a routed model's may be far below: a 128K or a local 32K model would
  // refuse the conversation long before Claude Code summarised it.
  if (contextWindow !== undefined && (env.CLAUDE_CODE_AUTO_COMPACT_WINDOW ?? '') === '')
    defaults.CLAUDE_CODE_AUTO_COMPACT_WINDOW = String(contextWindow)
  return { set, unset: [...bypassVariables], defaults }
}

/**
 * The window the router's conversations live in: the default model's, or the long-context
 * model's when that is larger (requests outgrowing the default go there). Undefined when the
 * default model's window is not known (neither its model entry nor the catalog gives one).
 */
export function routedWindow(
  active: Pick<ActiveConfig, 'config' | 'providers'>,
): number | undefined {
  const windowOf = (route: RouteRef | undefined) => {
    const reference = typeof route === 'string' ? route : route?.[0]
    const candidate = reference === undefined ? undefined : resolveReference(reference, active)
    return candidate === undefined
      ? undefined
      : effectiveModel(candidate.provider, candidate.model).context_window
  }
  const base = windowOf(active.config.Router.default)
  if (base === undefined) return undefined
  return Math.max(base, windowOf(active.config.Router.longContext) ?? 0)
}

/** The environment a child Claude Code process gets. */
export function applyEnvironment(env: Env, routerEnv: RouterEnvironment): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value
  for (const key of routerEnv.unset) delete result[key]
  return { ...routerEnv.defaults, ...result, ...routerEnv.set }
}

function withHosts(existing: string | undefined, hosts: string[]): string {
  const entries = (existing ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  for (const host of hosts) if (!entries.includes(host)) entries.push(host)
  return entries.join(',')
}
