import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  anthropicBody,
  anthropicUpstreamBody,
  longContextBody,
  withTurnMarker,
  openAIBody,
  openAIHeaders,
  type RecordedRequest,
} from './bodies.ts'
import { headerLines } from './header-lines.ts'
import { explicitModel, fakeEndpoint, openAIKey, providerConfig } from './router-config.ts'
import { anthropicModel, openAIModel, type Workload } from './workloads.ts'

/** Size the long-context body is grown to. */
export const longContextBytes = 300_000

/** Where one side of a workload posts, what, and how its answers end. */
export interface Target {
  url: string
  bodyFile: string
  headersFile: string
  bodyBytes: number
  /** What the last bytes of a streamed answer contain. */
  expect: string | undefined
}

/** A workload with its request files written: direct, through the bare proxy, through ccr. */
export interface PreparedWorkload {
  workload: Workload
  direct: Target
  /** The direct request, sent through the bare pass-through proxy. */
  bare: Target
  ccr: Target
}

/**
 * Writes the bodies and headers of both sides. ccr gets the Claude Code body and headers on
 * `/v1/messages?beta=true`; the direct side speaks the upstream's protocol: for an OpenAI
 * provider the very body ccr builds (an OpenAI client's request), for an Anthropic provider
 * the Claude Code request with the provider's model written in as ccr writes it. The bare
 * proxy gets the direct request.
 */
export function prepareWorkload(options: {
  workload: Workload
  fixture: RecordedRequest
  fakeUrl: string
  routerUrl: string
  bareUrl: string
  directory: string
}): PreparedWorkload {
  const { workload, fixture, directory } = options
  const source = withTurnMarker(
    workload.body === 'long-context'
      ? longContextBody(fixture.body, longContextBytes)
      : fixture.body,
  )
  const ccrText = anthropicBody(source, {
    stream: workload.stream,
    ...(workload.route === 'explicit'
      ? { model: explicitModel(workload.protocol, workload.profile) }
      : {}),
  })
  const endpoint = fakeEndpoint(options.fakeUrl, workload.protocol, workload.profile)
  const openAI = workload.protocol === 'openai'
  const directText = openAI
    ? openAIBody(ccrText, providerConfig(options.fakeUrl, 'openai', workload.profile), openAIModel)
    : anthropicUpstreamBody(ccrText, anthropicModel)
  const directHeaders = openAI ? openAIHeaders(workload.stream, openAIKey) : fixture.headers
  const write = (side: string, body: string, headers: Record<string, string>) => {
    const bodyFile = join(directory, `${workload.id}.${side}.json`)
    const headersFile = join(directory, `${workload.id}.${side}.headers`)
    writeFileSync(bodyFile, body)
    writeFileSync(headersFile, headerLines(headers))
    return { bodyFile, headersFile, bodyBytes: Buffer.byteLength(body) }
  }
  const direct = {
    url: endpoint,
    ...write('direct', directText, directHeaders),
    expect: workload.stream ? (openAI ? '[DONE]' : 'message_stop') : undefined,
  }
  return {
    workload,
    direct,
    bare: { ...direct, url: `${options.bareUrl}${new URL(endpoint).pathname}` },
    ccr: {
      url: `${options.routerUrl}/v1/messages?beta=true`,
      ...write('ccr', ccrText, fixture.headers),
      expect: workload.stream ? 'message_stop' : undefined,
    },
  }
}
