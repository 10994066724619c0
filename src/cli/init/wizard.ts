import type { Env } from '../../config/file.ts'
import { interpolateEnv } from '../../config/interpolate.ts'
import { presets, type ProviderPreset } from './presets.ts'
import type { Prompter } from './prompter.ts'
import type { ModelListing } from './list-models.ts'

export interface WizardContext {
  prompt: Prompter
  env: Env
  /** The current config file's content, when there is one. */
  existing: Record<string, unknown> | undefined
  listModels: (options: {
    protocol: ProviderPreset['protocol']
    url: string
    apiKey: string
  }) => Promise<ModelListing>
}

interface ProviderEntry {
  name: string
  api_base_url: string
  api_key: string
  models: string[]
  protocol?: string
}

/**
 * Asks for one provider (which, its key, its models) and whether it becomes the default
 * route, and returns the config with that provider added or replaced. Everything else in an
 * existing config is kept.
 */
export async function runWizard(context: WizardContext): Promise<Record<string, unknown>> {
  const { prompt } = context
  const presetId = await prompt.select({
    id: 'provider',
    message: 'Which provider should Claude Code use?',
    options: presets.map((preset) => ({ value: preset.id, label: preset.label })),
  })
  const preset = presets.find((candidate) => candidate.id === presetId) ?? presets[0]!

  const existingProviders = providersOf(context.existing)
  const name = await prompt.text({
    id: 'name',
    message: 'Name for this provider (used as "<name>,<model>")',
    initialValue: preset.id.startsWith('custom') ? '' : preset.id,
    validate: (value) =>
      /^[^,\s]+$/.test(value) ? undefined : 'a short name without commas or spaces',
  })
  if (
    existingProviders.some((provider) => String(provider.name).toLowerCase() === name.toLowerCase())
  ) {
    const replace = await prompt.confirm({
      id: 'replace',
      message: `config.json already has a provider "${name}". Replace it?`,
      initialValue: true,
    })
    if (!replace) return runWizard(context)
  }

  const url =
    preset.url ??
    (await prompt.text({
      id: 'url',
      message:
        preset.protocol === 'anthropic'
          ? 'Endpoint URL (…/v1/messages, or the API base)'
          : 'Endpoint URL (…/chat/completions, or …/responses for a Responses API)',
      placeholder:
        preset.protocol === 'anthropic'
          ? 'https://example.com/anthropic'
          : 'https://example.com/v1/chat/completions',
      validate: (value) =>
        /^https?:\/\/\S+$/.test(value) ? undefined : 'an http:// or https:// URL',
    }))

  const apiKey = preset.keyless ? '' : await askKey(context, preset)
  const models = await chooseModels(context, preset, url, apiKey)

  const provider: ProviderEntry = { name, api_base_url: url, api_key: apiKey, models }
  if (preset.id === 'custom-anthropic') provider.protocol = 'anthropic'
  const config: Record<string, unknown> = { ...context.existing }
  config.Providers = [
    ...existingProviders.filter((entry) => String(entry.name).toLowerCase() !== name.toLowerCase()),
    provider,
  ]
  delete config.providers

  const router = {
    ...(typeof config.Router === 'object' && config.Router !== null ? config.Router : {}),
  } as Record<string, unknown>
  const current = typeof router.default === 'string' ? router.default : undefined
  const makeDefault =
    current === undefined || current.split(',')[0]?.toLowerCase() === name.toLowerCase()
      ? true
      : await prompt.confirm({
          id: 'make-default',
          message: `Router.default is "${current}". Send requests to ${name} by default instead?`,
          initialValue: false,
        })
  if (makeDefault) {
    const model =
      models.length === 1
        ? models[0]!
        : await prompt.select({
            id: 'default-model',
            message: 'Default model',
            options: models.map((id) => ({ value: id, label: id })),
          })
    router.default = `${name},${model}`
  }
  config.Router = router
  return config
}

async function askKey(context: WizardContext, preset: ProviderPreset): Promise<string> {
  const variable = preset.keyVariable
  if (variable !== undefined && (context.env[variable] ?? '') !== '') {
    const choice = await context.prompt.select({
      id: 'key-source',
      message: `Your environment has ${variable}. Where should ccr read the key from?`,
      options: [
        {
          value: 'env',
          label: `$${variable}`,
          hint: 'recommended: the key stays out of config.json',
        },
        { value: 'enter', label: 'Enter a key to store in config.json (mode 0600)' },
      ],
    })
    if (choice === 'env') return `$${variable}`
  }
  return context.prompt.password({
    id: 'key',
    message:
      variable === undefined
        ? 'API key (or $VARIABLE to read it from the environment)'
        : `API key (or $${variable})`,
    validate: (value) => (value.trim() === '' ? 'a key, or $VARIABLE' : undefined),
  })
}

async function chooseModels(
  context: WizardContext,
  preset: ProviderPreset,
  url: string,
  apiKey: string,
): Promise<string[]> {
  const { prompt } = context
  const done = prompt.progress('Asking the provider for its models')
  const key = String(interpolateEnv(apiKey, context.env).value)
  const listing = await context.listModels({ protocol: preset.protocol, url, apiKey: key })
  if (listing.kind === 'models') done(`The provider offers ${listing.models.length} models`)
  else if (listing.kind === 'rejected') {
    done('The provider rejected the key')
    prompt.warn(
      `${listing.detail}. You can fix the key later in config.json; ccr reloads it on save.`,
    )
  } else done(`Could not list the models (${listing.detail}); using the usual ones`)

  const offered =
    listing.kind === 'models' && listing.models.length > 0 ? listing.models : preset.models
  if (offered.length > 0 && offered.length <= 40) {
    const preselected = preset.models.filter((model) => offered.includes(model))
    return prompt.multiselect({
      id: 'models',
      message: 'Models to use',
      options: offered.map((model) => ({ value: model, label: model })),
      initialValues: preselected.length > 0 ? preselected : [offered[0]!],
    })
  }
  const typed = await prompt.text({
    id: 'models',
    message: 'Model ids, separated by commas',
    initialValue: preset.models.join(', '),
    validate: (value) => (splitList(value).length === 0 ? 'at least one model id' : undefined),
  })
  return splitList(typed)
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function providersOf(config: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const list = config?.Providers ?? config?.providers
  return Array.isArray(list)
    ? list.filter(
        (entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null,
      )
    : []
}
