// The `publication_data_format` channel option: data published into such a channel
// must be JSON (`json`), a JSON object (`json_object`), anything even empty (`binary`), or,
// by default (''), anything but empty, as Centrifugo requires.

export type PublicationDataFormat = '' | 'json' | 'json_object' | 'binary';

/** Returns why the data does not fit the format, or undefined when it does. */
export function publicationDataProblem(
  data: Uint8Array,
  format: PublicationDataFormat,
): string | undefined {
  if (format === 'binary') return undefined;
  if (format === '') return data.length === 0 ? 'data required' : undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'));
  } catch {
    return 'data is not valid JSON';
  }
  if (
    format === 'json_object' &&
    (typeof value !== 'object' || value === null || Array.isArray(value))
  ) {
    return 'data is not a JSON object';
  }
  return undefined;
}

// Kept on core's surface for its callers; the check itself lives with the codecs.
export { decodeBase64Strict } from '../protocol/index.ts';
