import type { ProviderProtocol } from '../config/schema.ts'
import { sendAnthropic } from './anthropic/index.ts'
import { sendOpenAI } from './openai/index.ts'
import { sendResponses } from './responses/index.ts'
import type { ProviderAdapter } from './types.ts'

/** One adapter per wire protocol; a new provider API is one folder and one line here. */
export const adapters = {
  anthropic: sendAnthropic,
  openai: sendOpenAI,
  responses: sendResponses,
} satisfies Record<ProviderProtocol, ProviderAdapter>
