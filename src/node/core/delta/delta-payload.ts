// What a delta subscriber gets for a publication: the Fossil delta from the previous one,
// or the whole data when a delta would not help or could not travel.
import { isUtf8 } from 'node:buffer';
import { createDelta } from './fossil-delta.ts';

export interface DeltaPayload {
  /** The bytes to send as Publication.data. */
  data: Uint8Array;
  /** Publication.delta: `data` is a delta against the previous publication. */
  delta: boolean;
}

/**
 * The payload for `next` after `prev`. As Centrifugo (centrifuge hub.go getDeltaPub): the
 * whole data when the delta is not shorter. On JSON transports `data` travels as a JSON
 * string of its bytes, which the SDKs turn back into bytes with UTF-8; a delta that cuts a
 * multi-byte character in two is no UTF-8, so it goes whole too. Centrifugo v6.9.1 sends
 * such a delta anyway and centrifuge-js then throws "unknown delta operator" (seen with a
 * 10 KiB document changing "é" to "è", fossil-delta.test.ts has such a step).
 */
export function deltaPayload(
  prev: Uint8Array,
  next: Uint8Array,
  inJsonString: boolean,
): DeltaPayload {
  return payloadOf(createDelta(prev, next), next, inJsonString);
}

/** deltaPayload with the delta already made (one per channel, for every subscriber). */
export function payloadOf(
  patch: Uint8Array,
  next: Uint8Array,
  inJsonString: boolean,
): DeltaPayload {
  if (patch.length >= next.length || (inJsonString && !isUtf8(patch))) {
    return { data: next, delta: false };
  }
  return { data: patch, delta: true };
}
