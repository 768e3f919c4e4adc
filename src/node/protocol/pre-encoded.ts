// A message that keeps its encodings: the JSON and Protobuf codecs write what they encoded
// of it the first time wherever it goes again. The recovered publications of a reconnect
// storm are the same few for thousands of clients: one encode per publication and format
// then serves every reply (the bytes of a publication's data, checked to be JSON before a
// JSON client gets them, were parsed again for every client).
type Obj = Record<string, unknown>;

export class PreEncoded {
  readonly message: Obj;
  /** The JSON text; filled by json-codec.ts on first use. */
  json: string | undefined;
  /** Why the message has no JSON form (its bytes are not JSON), once found. */
  jsonError: string | undefined;
  /** The Protobuf bytes; filled by protobuf-codec.ts on first use. */
  protobuf: Uint8Array | undefined;

  constructor(message: object) {
    this.message = message as Obj;
  }
}
