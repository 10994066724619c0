import { Elysia } from 'elysia'
import { isAuthorized } from './auth.ts'
import type { ControllerDeps } from './app.ts'
import type { ProviderSettings } from '../config/providers.ts'
import type { LearnedFact } from '../store/learned.ts'

/** `GET /health` (liveness, what `ccr status` reads) and Claude Code's `HEAD /api/hello` probe. */
export function healthRoutes(deps: ControllerDeps) {
  return new Elysia({ name: 'health' })
    .get(
      '/health',
      ({ request }) => {
        const active = deps.config.current()
        const summary = {
          status: 'ok',
          service: 'ccr',
          version: deps.version,
          uptime_s: Math.round((Date.now() - deps.startedAt) / 100) / 10,
        }
        // Without the key, a router reachable from the network says only that it is alive.
        const apiKey = active.config.APIKEY
        if (apiKey !== '' && !isAuthorized(request.headers, apiKey)) return summary
        return {
          ...summary,
          pid: process.pid,
          config: active.file ?? null,
          config_generation: active.generation,
          providers: [...active.providers.values()].map((provider) => ({
            name: provider.name,
            protocol: provider.protocol,
            models: provider.models.map((model) => model.id),
          })),
          plugins: deps.plugins?.list() ?? [],
          learned: learnedFacts(deps.learned?.list() ?? [], active.providers),
        }
      },
      {
        detail: {
          summary: 'Liveness and identity',
          description:
            'Version and uptime; with the APIKEY when one is set, also the pid, config file, providers (names only), plugins (with any load error) and what ccr learned about models.',
        },
      },
    )
    .head('/api/hello', () => new Response(null, { status: 200 }), {
      detail: { summary: 'Claude Code connectivity probe' },
    })
}

/**
 * What the router learned, by route and in words. By provider name, never by URL: an endpoint
 * may carry a key in its query.
 */
function learnedFacts(
  facts: readonly LearnedFact[],
  providers: ReadonlyMap<string, ProviderSettings>,
): { route: string; fact: string }[] {
  return facts.flatMap((fact) => {
    const provider = [...providers.values()].find((each) => each.endpoint === fact.endpoint)
    if (provider === undefined) return []
    const route = `${provider.name},${fact.model}`
    switch (fact.kind) {
      case 'context_window':
        return [{ route, fact: `context window ${fact.value} tokens, as its provider said` }]
      case 'folds_system':
        return [{ route, fact: 'system messages after the first folded into user turns' }]
      case 'tools_as_text':
        return [{ route, fact: 'tools described in the prompt, calls read from text' }]
      default:
        return fact.kind satisfies never
    }
  })
}
