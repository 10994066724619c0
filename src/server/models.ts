import { Elysia } from 'elysia'
import type { ControllerDeps } from './app.ts'

/**
 * `GET /v1/models`: the configured `"<provider>,<model>"` ids in Anthropic's models format.
 *
 * @see https://docs.anthropic.com/en/api/models-list
 */
export function modelsRoutes(deps: ControllerDeps) {
  const createdAt = new Date(deps.startedAt).toISOString()
  return new Elysia({ name: 'models' }).get(
    '/v1/models',
    () => {
      const data = [...deps.config.current().providers.values()].flatMap((provider) =>
        provider.models.map((model) => ({
          type: 'model' as const,
          id: `${provider.name},${model.id}`,
          display_name: `${model.id} (${provider.name})`,
          created_at: createdAt,
        })),
      )
      return {
        data,
        has_more: false,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      }
    },
    {
      detail: {
        summary: 'List models (Anthropic format)',
        description: 'Every configured "<provider>,<model>".',
      },
    },
  )
}
