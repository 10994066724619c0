import { Elysia } from 'elysia'
import { CountTokensRequest } from '../protocol/messages.ts'
import { parseBody } from '../protocol/parse.ts'
import { handleMessages } from '../proxy.ts'
import { estimateInputTokens } from '../tokens/estimate.ts'
import type { ControllerDeps } from './app.ts'

/**
 * `POST /v1/messages` (Claude Code adds `?beta=true`) and `POST /v1/messages/count_tokens`.
 * Bodies are read as bytes, not parsed by the framework: a proxy must not drop fields it does
 * not know, and an Anthropic upstream gets the client's bytes.
 */
export function messagesRoutes(deps: ControllerDeps) {
  return new Elysia({ name: 'messages' })
    .post(
      '/v1/messages',
      async ({ request }) => {
        const startedAt = performance.now()
        const { log, requestId } = deps.contextOf(request)
        const body = await request.bytes()
        const call = {
          body,
          headers: request.headers,
          signal: request.signal,
          log,
          requestId,
          startedAt,
        }
        return handleMessages(call, deps)
      },
      {
        parse: 'none',
        detail: {
          summary: 'Create a message (Anthropic Messages API)',
          description:
            'Routed to a configured provider and translated as needed. The response carries ' +
            'x-ccr-provider, x-ccr-model, x-ccr-slot, x-ccr-reason and x-ccr-attempts.',
        },
      },
    )
    .post(
      '/v1/messages/count_tokens',
      async ({ request }) => {
        const body = parseBody(CountTokensRequest, await request.text())
        return { input_tokens: estimateInputTokens(body, deps.tokens) }
      },
      {
        parse: 'none',
        detail: {
          summary: 'Count tokens (Anthropic Messages API)',
          description: 'A local estimate for every provider, cached per piece of content.',
        },
      },
    )
}
