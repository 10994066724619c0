import { Elysia } from 'elysia'
import type { ConfigSource } from '../config/active.ts'
import { RouterError } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import { toErrorResponse } from '../protocol/errors.ts'
import { isAuthorized, isForeignOrigin } from './auth.ts'
import { healthRoutes } from './health.ts'
import { messagesRoutes } from './messages.ts'
import { modelsRoutes } from './models.ts'
import type { ProxyDeps } from '../proxy.ts'
import { requestIdFrom } from './request-id.ts'

export interface AppDeps extends ProxyDeps {
  config: ConfigSource
  log: Logger
  /** Masks known secrets in text that leaves the process. */
  redact: (text: string) => string
  version: string
  startedAt: number
  /** True once shutdown began: new requests are refused while in-flight ones finish. */
  isDraining: () => boolean
}

/** Paths anyone may call: liveness, Claude Code's connectivity probe, the API description. */
const publicPaths = new Set(['/health', '/api/hello', '/docs', '/docs/json'])

/**
 * The HTTP surface. Every request gets an id (an incoming `x-request-id` is kept) that is
 * returned as a header and carried by every log line about it; every failure leaves as
 * Anthropic error JSON.
 */
export function createApp(deps: AppDeps) {
  // One context per request, whichever hook asks first (onError can run before any other).
  const contexts = new WeakMap<Request, RequestContext>()
  const contextOf = (request: Request): RequestContext => {
    let context = contexts.get(request)
    if (context === undefined) {
      const requestId = requestIdFrom(request.headers)
      context = { requestId, log: deps.log.child({ requestId }) }
      contexts.set(request, context)
    }
    return context
  }
  const fail = (error: unknown, requestId: string) => {
    const response = toErrorResponse(error, deps.redact)
    response.headers.set('x-request-id', requestId)
    return response
  }

  return new Elysia({ name: 'ccr' })
    .onBeforeHandle({ as: 'global' }, ({ request, path }) => {
      const { requestId, log } = contextOf(request)
      if (deps.isDraining()) {
        return fail(
          new RouterError('shutting_down', {
            status: 503,
            retryable: true,
            message: 'ccr is shutting down',
          }),
          requestId,
        )
      }
      const apiKey = deps.config.current().config.APIKEY
      if (publicPaths.has(path)) return
      if (apiKey === '' && isForeignOrigin(request.headers)) {
        log.warn('refused a browser request from a foreign origin', {
          origin: request.headers.get('origin'),
          path,
        })
        return fail(
          new RouterError('forbidden_origin', {
            status: 403,
            message: 'ccr refuses browser requests from other sites',
            hint: 'set APIKEY in config.json to let a web app call the router',
          }),
          requestId,
        )
      }
      if (apiKey !== '' && !isAuthorized(request.headers, apiKey)) {
        log.warn('authentication failed', { path })
        return fail(
          new RouterError('authentication_failed', {
            status: 401,
            message: 'Invalid or missing API key for ccr',
            hint: "send the router's APIKEY as x-api-key or Authorization: Bearer; `ccr code` does this for you",
          }),
          requestId,
        )
      }
    })
    .onAfterHandle({ as: 'global' }, ({ request, response, set }) => {
      const { requestId } = contextOf(request)
      if (response instanceof Response) response.headers.set('x-request-id', requestId)
      else set.headers['x-request-id'] = requestId
    })
    .onError({ as: 'global' }, ({ code, error, request, path }) => {
      const { requestId, log } = contextOf(request)
      if (code === 'NOT_FOUND') {
        return fail(
          new RouterError('not_found', {
            status: 404,
            message: `No route ${request.method} ${path ?? ''}`,
          }),
          requestId,
        )
      }
      // Gone while its body was read or its answer awaited: nobody to answer, nothing wrong.
      if (request.signal.aborted) {
        log.info('client closed the connection', { path })
      } else if (error instanceof RouterError) {
        log.warn(error.message, { code: error.code, status: error.status })
      } else {
        log.error('unexpected error', { error })
      }
      return fail(error, requestId)
    })
    .use(healthRoutes({ ...deps, contextOf }))
    .use(messagesRoutes({ ...deps, contextOf }))
    .use(modelsRoutes({ ...deps, contextOf }))
    .use(docsRoutes({ ...deps, contextOf }))
}

/**
 * `GET /docs` and `/docs/json`, made on their first request: the swagger plugin and what it
 * brings (Scalar's themes and their schemas, ~13 000 objects) took 15 ms of every start and
 * 1.2 MB of heap that serving never uses. What they describe is the route plugins the app
 * serves, built once more for the description.
 */
function docsRoutes(deps: ControllerDeps) {
  let docs: Promise<{ handle: (request: Request) => Promise<Response> }> | undefined
  const build = async () => {
    const { swagger } = await import('@elysiajs/swagger')
    return new Elysia()
      .use(
        swagger({
          path: '/docs',
          documentation: {
            info: {
              title: 'ccr',
              version: deps.version,
              description:
                'The ccr router: the Anthropic Messages API in front of any model provider. ' +
                'With APIKEY set, every route except /health, /api/hello and /docs needs it as ' +
                '`x-api-key` or `Authorization: Bearer`.',
            },
          },
        }),
      )
      .use(healthRoutes(deps))
      .use(messagesRoutes(deps))
      .use(modelsRoutes(deps))
  }
  const serve = async ({ request }: { request: Request }) => {
    docs ??= build().catch((error: unknown) => {
      docs = undefined
      throw error
    })
    return (await docs).handle(request)
  }
  const hidden = { detail: { hide: true } }
  return new Elysia({ name: 'docs' }).get('/docs', serve, hidden).get('/docs/json', serve, hidden)
}

export type App = ReturnType<typeof createApp>

/** What every controller knows about the request it serves. */
export interface RequestContext {
  requestId: string
  log: Logger
}

/** What controllers receive: the app's dependencies and the per-request context. */
export interface ControllerDeps extends AppDeps {
  contextOf: (request: Request) => RequestContext
}
