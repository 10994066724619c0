import JSON5 from 'json5'
import * as clack from '@clack/prompts'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { parseConfig } from '../../config/load.ts'
import { writeConfigFile } from '../../config/write.ts'
import { ConfigError, RouterError } from '../../lib/errors.ts'
import { probe, serverUrl } from '../../service/probe.ts'
import type { Command } from '../context.ts'
import { clackPrompter } from './clack-prompter.ts'
import { listModels } from './list-models.ts'
import { WizardCancelled } from './prompter.ts'
import { scriptedPrompter } from './scripted-prompter.ts'
import { runWizard } from './wizard.ts'

/**
 * `ccr init`: the setup wizard. Asks for a provider, its key and models, and the default
 * route; writes config.json (mode 0600, the previous file kept as a backup). With
 * `--provider` it runs unattended, taking every answer from flags.
 */
export const init: Command = async (context) => {
  const { values } = parseArgs({
    args: context.args,
    options: {
      provider: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      models: { type: 'string' },
      default: { type: 'boolean' },
      'default-model': { type: 'string' },
    },
    strict: true,
  })
  const unattended = values.provider !== undefined
  if (!unattended && process.stdin.isTTY !== true) {
    throw new RouterError('invalid_request', {
      message: 'ccr init asks questions, and this is not a terminal',
      hint: 'run it in a terminal, or pass --provider <id> --api-key <key or $VAR> [--models a,b] [--default]',
    })
  }

  const existing = await readExisting(context.paths.config)
  const prompt = unattended
    ? scriptedPrompter(
        {
          provider: values.provider,
          name: values.name,
          url: values.url,
          'key-source': values['api-key'] === undefined ? undefined : 'enter',
          key: values['api-key'],
          models: values.models,
          'make-default': values.default ?? false,
          'default-model': values['default-model'],
          replace: true,
        },
        context.stderr,
      )
    : clackPrompter()

  if (!unattended) clack.intro(`ccr ${context.version} setup`)
  let config: Record<string, unknown>
  try {
    config = await runWizard({ prompt, env: context.env, existing, listModels })
  } catch (error) {
    if (error instanceof WizardCancelled) {
      clack.cancel(error.message)
      return 1
    }
    throw error
  }
  const text = `${JSON.stringify(config, null, 2)}\n`
  // What the wizard writes must load; a problem here is a bug worth reporting plainly.
  parseConfig(text, { file: context.paths.config, env: context.env })
  const { backup } = await writeConfigFile(context.paths.config, text)

  const lines = [`Wrote ${context.paths.config}`]
  if (backup !== undefined)
    lines.push(`The previous file is saved as ${backup} (comments are not carried over).`)
  const running = await probe(
    serverUrl({ HOST: '127.0.0.1', PORT: Number(config.PORT ?? 3456) }),
    String(config.APIKEY ?? ''),
  )
  lines.push(
    running.state === 'ccr'
      ? 'The running router has picked up the change.'
      : 'Next: `ccr code` starts the router and Claude Code.',
  )
  if (unattended) context.stdout.write(`${lines.join('\n')}\n`)
  else clack.outro(lines.join('\n'))
  return 0
}

async function readExisting(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    const value: unknown = JSON5.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>
  } catch (error) {
    throw new ConfigError(file, [
      { path: '', message: `not valid JSON5, so ccr init will not rewrite it: ${String(error)}` },
    ])
  }
  throw new ConfigError(file, [{ path: '', message: 'expected an object at the top level' }])
}
