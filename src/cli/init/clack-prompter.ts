import * as clack from '@clack/prompts'
import { WizardCancelled, type Prompter } from './prompter.ts'

/** The answer, or `WizardCancelled` when the user pressed Ctrl-C or Esc. */
function answered<T>(value: T): Exclude<T, symbol> {
  if (typeof value === 'symbol' || clack.isCancel(value)) throw new WizardCancelled()
  return value as Exclude<T, symbol>
}

/** clack hands `undefined` to a validator for an empty field. */
const validator = (validate?: (value: string) => string | undefined) =>
  validate === undefined ? undefined : (value: string | undefined) => validate(value ?? '')

/** The wizard's questions in the terminal. */
export function clackPrompter(): Prompter {
  return {
    async select({ message, options, initialValue }) {
      const picked = answered(
        await clack.select<string>({
          message,
          options: options.map(({ value, label, hint }) => ({
            value,
            label,
            ...(hint === undefined ? {} : { hint }),
          })),
          ...(initialValue === undefined ? {} : { initialValue }),
        }),
      )
      const match = options.find((option) => option.value === picked)
      if (match === undefined) throw new WizardCancelled()
      return match.value
    },
    multiselect: async ({ message, options, initialValues }) =>
      answered(
        await clack.multiselect({
          message,
          options,
          required: true,
          ...(initialValues === undefined ? {} : { initialValues }),
        }),
      ),
    text: async ({ message, placeholder, initialValue, validate }) =>
      answered(
        await clack.text({ message, placeholder, initialValue, validate: validator(validate) }),
      ),
    password: async ({ message, validate }) =>
      answered(await clack.password({ message, validate: validator(validate) })),
    confirm: async ({ message, initialValue }) =>
      answered(await clack.confirm({ message, initialValue })),
    info: (message) => clack.log.info(message),
    warn: (message) => clack.log.warn(message),
    progress(message) {
      const spinner = clack.spinner()
      spinner.start(message)
      return (done) => spinner.stop(done)
    },
  }
}
