import { Elysia } from 'elysia'
import { isAuthorized } from './auth.ts'
import type { ControllerDeps } from './app.ts'

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
        }
      },
      {
        detail: {
          summary: 'Liveness and identity',
          description:
            'Version and uptime; with the APIKEY when one is set, also the pid, config file, providers (names only) and plugins (with any load error).',
        },
      },
    )
    .head('/api/hello', () => new Response(null, { status: 200 }), {
      detail: { summary: 'Claude Code connectivity probe' },
    })
}
