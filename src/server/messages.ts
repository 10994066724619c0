import { Elysia } from 'elysia'
import { handleMessages } from '../proxy.ts'
import type { ControllerDeps } from './app.ts'

/**
 * `POST /v1/messages` (Claude Code adds `?beta=true`). The body is read as text, not parsed by
 * the framework: a proxy must not drop fields it does not know, and an Anthropic upstream
 * gets the client's bytes.
 */
export function messagesRoutes(deps: ControllerDeps) {
  return new Elysia({ name: 'messages' }).post(
    '/v1/messages',
    async ({ request }) => {
      const { log } = deps.contextOf(request)
      return handleMessages(
        { body: await request.text(), headers: request.headers, signal: request.signal, log },
        deps,
      )
    },
    {
      parse: 'none',
      detail: {
        summary: 'Create a message (Anthropic Messages API)',
        description:
          'Routed to a configured provider and translated as needed. The response carries ' +
          'x-ccr-provider, x-ccr-model and x-ccr-slot.',
      },
    },
  )
}
