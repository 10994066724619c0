/** Which question is being asked, so scripted answers (flags, tests) need not parse messages. */
export type QuestionId =
  | 'provider'
  | 'name'
  | 'replace'
  | 'url'
  | 'key-source'
  | 'key'
  | 'models'
  | 'make-default'
  | 'default-model'

interface Question {
  id: QuestionId
  message: string
}

/**
 * The questions the setup wizard asks, as an interface: the terminal implementation uses
 * @clack/prompts; `--provider` flags and tests answer them from a script. A cancelled prompt
 * throws `WizardCancelled`.
 */
export interface Prompter {
  select<T extends string>(
    options: Question & { options: { value: T; label: string; hint?: string }[]; initialValue?: T },
  ): Promise<T>
  /** Model ids: a scripted answer may name ids that are not among the options. */
  multiselect(
    options: Question & { options: { value: string; label: string }[]; initialValues?: string[] },
  ): Promise<string[]>
  text(
    options: Question & {
      placeholder?: string
      initialValue?: string
      validate?: (value: string) => string | undefined
    },
  ): Promise<string>
  password(
    options: Question & { validate?: (value: string) => string | undefined },
  ): Promise<string>
  confirm(options: Question & { initialValue?: boolean }): Promise<boolean>
  /** Shows a line of information (or a warning) between questions. */
  info(message: string): void
  warn(message: string): void
  /** Shows that something slow is happening; returns the function that ends it. */
  progress(message: string): (done: string) => void
}

export class WizardCancelled extends Error {
  constructor() {
    super('setup cancelled; nothing was written')
    this.name = 'WizardCancelled'
  }
}
