import { describe, expect, test } from 'bun:test'
import { createEstimator, createTokenCounter } from '../../src/tokens/counter.ts'
import { estimateInputTokens } from '../../src/tokens/estimate.ts'
import { MessagesRequest } from '../../src/protocol/messages.ts'
import { parseBody } from '../../src/protocol/parse.ts'
import { parseMessagesRequest } from '../../src/protocol/parse-request.ts'
import { fixtureBody } from '../helpers.ts'

describe('token estimates', () => {
  test('a conversation that grows by one message costs only that message', () => {
    const counted: string[] = []
    const counter = createTokenCounter((text) => {
      counted.push(text)
      return Math.ceil(text.length / 4)
    })
    const request = JSON.parse(
      fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json'),
    )
    const first = estimateInputTokens(request, counter)
    const textsFirstTime = counted.length
    expect(textsFirstTime).toBeGreaterThan(20)

    counted.length = 0
    const question = 'And now list the files in this directory, please, with their sizes.'
    const grown = {
      ...request,
      messages: [...request.messages, { role: 'user', content: question }],
    }
    const second = estimateInputTokens(grown, counter)
    // Only the new message was tokenized: short texts (tool names) are counted directly, not cached.
    expect(counted.filter((text) => text.length >= 64)).toEqual([question])
    expect(second - first).toBe(4 + Math.ceil(question.length / 4))
  })

  test('remembered tools, system blocks and messages are counted once, by identity', () => {
    const text = fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json')
    const estimator = createEstimator()
    const counted: string[] = []
    const watching = {
      count: (piece: string) => {
        counted.push(piece)
        return estimator.count(piece)
      },
      get size() {
        return estimator.size
      },
    }
    const plain = estimateInputTokens(parseBody(MessagesRequest, text), watching)
    const first = estimateInputTokens(parseMessagesRequest(bytesOf(text)), watching)
    counted.length = 0
    const second = estimateInputTokens(parseMessagesRequest(bytesOf(text)), watching)
    expect(first).toBe(plain)
    expect(second).toBe(plain)
    // The same request again: tools, system prompt and messages are all the remembered objects.
    expect(counted).toEqual([])
  })

  test('the cache keeps the most recently used texts, within its bound', () => {
    let calls = 0
    const counter = createTokenCounter(() => ++calls, 2)
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => letter.repeat(100)) as [
      string,
      string,
      string,
    ]
    counter.count(a)
    counter.count(b)
    counter.count(a) // a is now the most recent
    counter.count(c) // evicts b
    expect(counter.size).toBe(2)
    expect(calls).toBe(3)
    counter.count(a)
    expect(calls).toBe(3)
    counter.count(b)
    expect(calls).toBe(4)
  })

  test('the estimate of a real Claude Code request is close to what the provider reported', () => {
    const counter = createEstimator()
    const request = JSON.parse(
      fixtureBody('print-bash', '02-main-turn2-tool-result-stream.request.json'),
    )
    const estimate = estimateInputTokens(request, counter)
    // The mock Anthropic API reported 12387 input tokens for this request.
    expect(Math.abs(estimate / 12387 - 1)).toBeLessThan(0.2)
  })
})

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}
