/** A configuration that cannot start a node; the message names the key and what to do. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly key: string | undefined;
  constructor(message: string, key?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}
