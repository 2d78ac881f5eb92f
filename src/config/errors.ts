/** A setting is missing or malformed: the message always names the setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
  }
}
