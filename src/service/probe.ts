import type { Config } from '../config/schema.ts'

/** What `GET /health` says about a running router. */
export interface HealthReport {
  status: string
  service: string
  version: string
  uptime_s: number
  pid?: number
  config?: string | null
  config_generation?: number
  providers?: { name: string; protocol: string; models: string[] }[]
  plugins?: { name: string; path: string; version?: string; error?: string }[]
  learned?: { route: string; fact: string }[]
}

export type ProbeResult =
  { state: 'ccr'; health: HealthReport } | { state: 'other'; detail: string } | { state: 'down' }

/** The URL clients use to reach a router listening on `HOST:PORT`. */
export function serverUrl(config: Pick<Config, 'HOST' | 'PORT'>): string {
  const host = config.HOST
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${config.PORT}`
}

/**
 * Liveness by HTTP, not by PID: whatever answers on the port is asked who it is. A router
 * reports `service: "ccr"`; anything else answering is "another program".
 */
export async function probe(url: string, apiKey: string, timeoutMs = 1500): Promise<ProbeResult> {
  let response: Response
  try {
    response = await fetch(`${url}/health`, {
      headers: apiKey === '' ? {} : { 'x-api-key': apiKey },
      signal: AbortSignal.timeout(timeoutMs),
      // An idle pooled connection would hold a draining server open until it times out.
      keepalive: false,
    })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ConnectionRefused' || code === 'ECONNREFUSED') return { state: 'down' }
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return {
        state: 'other',
        detail: 'something accepts connections on the port but does not answer HTTP',
      }
    }
    return { state: 'down' }
  }
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as Partial<HealthReport>
    if (body.service === 'ccr' && typeof body.version === 'string')
      return { state: 'ccr', health: body as HealthReport }
  } catch {
    // Not JSON: not ccr.
  }
  return { state: 'other', detail: `it answered HTTP ${response.status} to GET /health` }
}
