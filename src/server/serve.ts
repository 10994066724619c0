import type { Server } from 'bun'
import { createApp, type AppDeps } from './app.ts'

export interface ListenOptions {
  host: string
  port: number
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
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    // Streams from slow models can be silent for minutes; idle connections are never cut.
    idleTimeout: 0,
    fetch: (request) => app.fetch(request),
  })
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    server,
    url: `http://${host}:${server.port}`,
    async drain(graceMs) {
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
