import type { Server } from 'bun'
import { createApp, type AppDeps } from './app.ts'
import { createCompilerThreadNicer } from './compiler-threads.ts'
import { createIdleCollector } from './idle-collect.ts'

export interface ListenOptions {
  host: string
  port: number
  /**
   * How often the server looks after itself (ms; 0: never): a collection when it has gone quiet
   * (`createIdleCollector`), the compiler threads' priority (`createCompilerThreadNicer`).
   */
  housekeepingMs?: number
}

export interface RunningServer {
  server: Server<undefined>
  url: string
  /**
   * Stops taking requests, lets in-flight ones (streams included) finish for at most
   * `graceMs`, then closes what is left. Resolves when the server is down.
   */
  drain(graceMs: number): Promise<'drained' | 'forced'>
}

/** Starts the router's HTTP server. Throws the runtime's error (EADDRINUSE, …) unchanged. */
export function listen(deps: AppDeps, options: ListenOptions): RunningServer {
  const app = createApp(deps)
  let served = 0
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    // Streams from slow models can be silent for minutes; idle connections are never cut.
    idleTimeout: 0,
    fetch: (request) => {
      // API calls only: a `/health` probe every few seconds leaves nothing worth a collection.
      if (request.method === 'POST') served++
      return app.fetch(request)
    },
  })
  const idle = createIdleCollector({
    served: () => served,
    pending: () => server.pendingRequests,
    collect: () => {
      const started = performance.now()
      Bun.gc(true)
      deps.log.debug('garbage collected while idle', {
        ms: Math.round((performance.now() - started) * 10) / 10,
      })
    },
  })
  const compilers = createCompilerThreadNicer()
  const housekeepingMs = options.housekeepingMs ?? 1000
  const housekeeping =
    housekeepingMs > 0
      ? setInterval(() => {
          idle.tick()
          compilers.tick()
        }, housekeepingMs)
      : undefined
  // The timer must not keep a stopped server's process alive.
  housekeeping?.unref()
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    server,
    url: `http://${host}:${server.port}`,
    async drain(graceMs) {
      clearInterval(housekeeping)
      let timer: ReturnType<typeof setTimeout> | undefined
      const timedOut = new Promise<'forced'>((resolve) => {
        timer = setTimeout(() => resolve('forced'), graceMs)
      })
      const result = await Promise.race([
        server.stop(false).then(() => 'drained' as const),
        timedOut,
      ])
      clearTimeout(timer)
      if (result === 'forced') await server.stop(true)
      return result
    },
  }
}
