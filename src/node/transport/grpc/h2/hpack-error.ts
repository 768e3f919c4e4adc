/**
 * A header block that does not decode (RFC 7541): the peer's encoder and this decoder no longer
 * agree on the dynamic table, so the caller fails the connection with COMPRESSION_ERROR.
 */
export class HpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HpackError';
  }
}
