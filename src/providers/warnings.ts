/**
 * Something a converter could not carry to the provider as the client meant it. Converters
 * return warnings next to the body; the pipeline logs them with the request id. Nothing is
 * dropped silently.
 */
export interface ConversionWarning {
  /** `dropped`: not sent at all; `changed`: sent in an altered form. */
  type: 'dropped' | 'changed'
  /** The request field, in dotted form (`top_k`, `messages[3].content[1]`). */
  field: string
  /** Why, in a few words a user can act on. */
  details: string
}
