import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, it } from 'node:test';
import { hex, seededRandom } from '../../../../../test/seeded.ts';
import { encodeHeaderBlock, HpackDecoder } from './hpack.ts';
import { HpackError } from './hpack-error.ts';
import { huffmanEncode, huffmanEncodedLength } from './huffman.ts';

const flat = (pairs: [string, string][]) => pairs.flat();

interface Step {
  block: string;
  headers: [string, string][];
  table: [string, string][];
  size: number;
}

/** Decodes the steps in order on one decoder, checking the fields and the table after each. */
function decodeSeries(maxTableSize: number, steps: Step[]): void {
  const decoder = new HpackDecoder(maxTableSize);
  steps.forEach((step, i) => {
    assert.deepEqual(
      decoder.decode(hex(step.block)),
      { headers: flat(step.headers), tooLarge: false },
      `step ${i}`,
    );
    assert.deepEqual(decoder.tableEntries(), step.table, `table after step ${i}`);
    assert.equal(decoder.tableSize, step.size, `table size after step ${i}`);
  });
}

// RFC 7541 Appendix C, the bytes as in golang.org/x/net/http2/hpack's hpack_test.go.
const requestFields: [string, string][][] = [
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ],
];
const requestTables: [string, string][][] = [
  [[':authority', 'www.example.com']],
  [
    ['cache-control', 'no-cache'],
    [':authority', 'www.example.com'],
  ],
  [
    ['custom-key', 'custom-value'],
    ['cache-control', 'no-cache'],
    [':authority', 'www.example.com'],
  ],
];
const requestSizes = [57, 110, 164];

const date21 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date22 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const location = 'https://www.example.com';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const responseFields: [string, string][][] = [
  [
    [':status', '302'],
    ['cache-control', 'private'],
    ['date', date21],
    ['location', location],
  ],
  [
    [':status', '307'],
    ['cache-control', 'private'],
    ['date', date21],
    ['location', location],
  ],
  [
    [':status', '200'],
    ['cache-control', 'private'],
    ['date', date22],
    ['location', location],
    ['content-encoding', 'gzip'],
    ['set-cookie', cookie],
  ],
];
const responseTables: [string, string][][] = [
  [
    ['location', location],
    ['date', date21],
    ['cache-control', 'private'],
    [':status', '302'],
  ],
  [
    [':status', '307'],
    ['location', location],
    ['date', date21],
    ['cache-control', 'private'],
  ],
  [
    ['set-cookie', cookie],
    ['content-encoding', 'gzip'],
    ['date', date22],
  ],
];
const responseSizes = [222, 222, 215];

const steps = (
  blocks: string[],
  fields: [string, string][][],
  tables: [string, string][][],
  sizes: number[],
): Step[] =>
  blocks.map((block, i) => ({
    block,
    headers: fields[i] ?? [],
    table: tables[i] ?? [],
    size: sizes[i] ?? -1,
  }));

describe('HPACK decoder, RFC 7541 Appendix C', () => {
  it('C.2: each representation of a field', () => {
    const cases: [string, [string, string][], [string, string][]][] = [
      [
        '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
        [['custom-key', 'custom-header']],
        [['custom-key', 'custom-header']],
      ],
      ['040c 2f73 616d 706c 652f 7061 7468', [[':path', '/sample/path']], []],
      ['1008 7061 7373 776f 7264 0673 6563 7265 74', [['password', 'secret']], []],
      ['82', [[':method', 'GET']], []],
    ];
    for (const [block, headers, table] of cases) {
      const decoder = new HpackDecoder();
      assert.deepEqual(decoder.decode(hex(block)), { headers: flat(headers), tooLarge: false });
      assert.deepEqual(decoder.tableEntries(), table, block);
      assert.equal(decoder.tableSize, table.length === 0 ? 0 : 55);
    }
  });

  it('C.3: requests without Huffman on one connection', () => {
    const blocks = [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ];
    decodeSeries(4096, steps(blocks, requestFields, requestTables, requestSizes));
  });

  it('C.4: requests with Huffman on one connection', () => {
    const blocks = [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ];
    decodeSeries(4096, steps(blocks, requestFields, requestTables, requestSizes));
  });

  it('C.5: responses without Huffman, evicting from a 256-octet table', () => {
    const blocks = [
      `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
       2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
       6c65 2e63 6f6d`,
      '4803 3330 37c1 c0bf',
      `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
       54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
       5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
       3d31`,
    ];
    decodeSeries(256, steps(blocks, responseFields, responseTables, responseSizes));
  });

  it('C.6: responses with Huffman, evicting from a 256-octet table', () => {
    const blocks = [
      `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
       2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
      '4883 640e ffc1 c0bf',
      `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
       77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
       9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
    ];
    decodeSeries(256, steps(blocks, responseFields, responseTables, responseSizes));
  });
});

/** §5.1 by hand, for blocks the encoder never writes. */
function integer(flags: number, prefixBits: number, value: number): number[] {
  const max = 2 ** prefixBits - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  for (; rest >= 128; rest = Math.floor(rest / 128)) out.push((rest % 128) | 0x80);
  out.push(rest);
  return out;
}

/** Literal with incremental indexing, literal name (not a static one): 0x40, name, value. */
const indexedLiteral = (name: string, value: string) => {
  const block = encodeHeaderBlock([[name, value]]);
  // The encoder writes 0x00 (without indexing, literal name); flip it to 0x40.
  block[0] = 0x40;
  return block;
};

describe('HPACK decoder, the table and malformed blocks', () => {
  it('refuses index 0 and indexes past the tables', () => {
    assert.throws(() => new HpackDecoder().decode(hex('80')), HpackError);
    // Index 62 with an empty dynamic table, as a field and as a name.
    assert.throws(() => new HpackDecoder().decode(hex('be')), HpackError);
    assert.throws(() => new HpackDecoder().decode(hex('7e 0161')), HpackError);
    const decoder = new HpackDecoder();
    decoder.decode(indexedLiteral('a', 'b'));
    assert.deepEqual(decoder.decode(hex('be')).headers, ['a', 'b']);
    assert.deepEqual(decoder.decode(hex('bd')).headers, ['www-authenticate', '']);
    assert.throws(() => decoder.decode(hex('bf')), HpackError);
  });

  it('decodes multi-byte integers and refuses truncated, oversized and overlong ones', () => {
    // 0xff fills the 7-bit prefix, so continuation bytes must follow.
    assert.throws(() => new HpackDecoder().decode(hex('ff')), HpackError);
    assert.throws(() => new HpackDecoder().decode(hex('ff80')), HpackError);
    // Six continuation bytes, even though the value they carry is small.
    assert.throws(() => new HpackDecoder().decode(hex('ff 80 80 80 80 80 00')), HpackError);
    // Size updates (5-bit prefix) at 2^31 - 1 and 2^31, with a maximum that allows both.
    const decoder = new HpackDecoder(2 ** 32);
    decoder.decode(Buffer.from(integer(0x20, 5, 2 ** 31 - 1)));
    assert.equal(decoder.tableSizeLimit, 2 ** 31 - 1);
    assert.throws(() => decoder.decode(Buffer.from(integer(0x20, 5, 2 ** 31))), HpackError);
    // 127 + (2^28 - 1) + 7 * 2^28 = 2^31 + 126, in the 5 continuation bytes allowed.
    assert.throws(() => new HpackDecoder().decode(hex('ff ff ff ff ff 07')), HpackError);
    // A 300-octet raw value: its length is 0x7f then 173 as two continuation bytes.
    const value = 'v'.repeat(300);
    const block = Buffer.concat([hex('0f0d 7fad01'), Buffer.from(value, 'latin1')]);
    assert.deepEqual(encodeHeaderBlock([['content-length', value]]), block);
    assert.deepEqual(new HpackDecoder().decode(block).headers, ['content-length', value]);
    // Name index 15 + 0 with zero continuation bytes, which a minimal encoder would not write.
    assert.deepEqual(new HpackDecoder().decode(hex('0f 80 00 0161')).headers, [
      'accept-charset',
      'a',
    ]);
  });

  it('refuses a string whose length runs past the block', () => {
    assert.throws(() => new HpackDecoder().decode(hex('0005 6162')), HpackError);
    assert.throws(() => new HpackDecoder().decode(hex('0001 61')), HpackError);
    // Huffman flag and a length past the end.
    assert.throws(() => new HpackDecoder().decode(hex('0f0d 85f1e3')), HpackError);
    // Badly padded Huffman in a value.
    assert.throws(() => new HpackDecoder().decode(hex('0f0d 8118')), HpackError);
  });

  it('applies table size updates at the start of a block, up to the advertised maximum', () => {
    const decoder = new HpackDecoder(256);
    decoder.decode(Buffer.concat([indexedLiteral('k1', 'v1'), indexedLiteral('k2', 'v2')]));
    assert.equal(decoder.tableSize, 2 * 36);
    // 0x3f 0x1a: size 31 + 26 = 57 → keeps only the newest entry.
    assert.deepEqual(decoder.decode(hex('3f1a be')).headers, ['k2', 'v2']);
    assert.equal(decoder.tableSizeLimit, 57);
    assert.deepEqual(decoder.tableEntries(), [['k2', 'v2']]);
    // Two updates in a row (0 then 256) empty the table and restore the limit.
    decoder.decode(hex('20 3fe1 01'));
    assert.equal(decoder.tableSize, 0);
    assert.equal(decoder.tableSizeLimit, 256);
    // 257 is over what this side advertised.
    assert.throws(() => new HpackDecoder(256).decode(hex('3fe2 01')), HpackError);
    assert.throws(() => new HpackDecoder(256).decode(hex('82 20')), HpackError);
  });

  it('empties the table for an entry larger than the table, without error (§4.4)', () => {
    const decoder = new HpackDecoder(100);
    decoder.decode(indexedLiteral('a', 'b'));
    const big = 'x'.repeat(100);
    assert.deepEqual(decoder.decode(indexedLiteral('a', big)).headers, ['a', big]);
    assert.deepEqual(decoder.tableEntries(), []);
    assert.equal(decoder.tableSize, 0);
  });

  it('keeps many entries in order across ring growth and eviction', () => {
    const decoder = new HpackDecoder(4096);
    const inserted: [string, string][] = [];
    for (let i = 0; i < 300; i++) {
      const field: [string, string] = [`name-${i}`, `value-${i}`.repeat((i % 5) + 1)];
      decoder.decode(indexedLiteral(...field));
      inserted.unshift(field);
      // What survives eviction: the newest entries that fit, oldest dropped first.
      let size = 0;
      const kept: [string, string][] = [];
      for (const [name, value] of inserted) {
        if (size + name.length + value.length + 32 > 4096) break;
        size += name.length + value.length + 32;
        kept.push([name, value]);
      }
      assert.deepEqual(decoder.tableEntries(), kept, `after ${i}`);
      assert.equal(decoder.tableSize, size);
      const oldest = integer(0x80, 7, 62 + kept.length - 1);
      assert.deepEqual(decoder.decode(Buffer.from(oldest)).headers, kept.at(-1));
    }
  });
});

describe('HPACK decoder, header list size', () => {
  it('decodes a block over the limit to the end and flags it, keeping the table in step', () => {
    const decoder = new HpackDecoder(4096, 200);
    const big = 'x'.repeat(150);
    const first = Buffer.concat([
      hex('82'),
      indexedLiteral('small', 'one'),
      indexedLiteral('big', big),
      indexedLiteral('after', 'two'),
    ]);
    const result = decoder.decode(first);
    assert.equal(result.tooLarge, true);
    assert.deepEqual(result.headers, [':method', 'GET', 'small', 'one']);
    assert.deepEqual(decoder.tableEntries(), [
      ['after', 'two'],
      ['big', big],
      ['small', 'one'],
    ]);
    // The next block refers to all three by dynamic index: 62 after, 63 big, 64 small.
    assert.deepEqual(decoder.decode(hex('be c0')), {
      headers: ['after', 'two', 'small', 'one'],
      tooLarge: false,
    });
    // Alone, the big field (3 + 150 + 32) is under the limit.
    assert.deepEqual(decoder.decode(hex('bf')), { headers: ['big', big], tooLarge: false });
    assert.deepEqual(decoder.decode(hex('82')), { headers: [':method', 'GET'], tooLarge: false });
  });

  it('counts name + value + 32 per field, as RFC 9113 §6.5.2 says', () => {
    // ':method: GET' is 7 + 3 + 32 = 42.
    assert.equal(new HpackDecoder(4096, 84).decode(hex('8282')).tooLarge, false);
    assert.equal(new HpackDecoder(4096, 83).decode(hex('8282')).tooLarge, true);
  });
});

describe('HPACK encoder (no dynamic table)', () => {
  it('indexes static fields and writes the rest as literals without indexing', () => {
    assert.deepEqual(encodeHeaderBlock([[':status', '200']]), hex('88'));
    assert.deepEqual(encodeHeaderBlock([[':status', '500']]), hex('8e'));
    // content-type (31) by name index: 0x0f then 31 - 15 = 0x10.
    assert.deepEqual(
      encodeHeaderBlock([['content-type', 'application/grpc']]),
      Buffer.concat([hex('0f10 10'), Buffer.from('application/grpc')]),
    );
    // :status (8) by name index in the 4-bit prefix.
    assert.deepEqual(encodeHeaderBlock([[':status', '302']]), hex('0803 333032'));
    // A name outside the static table is a literal too.
    assert.deepEqual(
      encodeHeaderBlock([['grpc-status', '0']]),
      Buffer.concat([hex('000b'), Buffer.from('grpc-status'), hex('0130')]),
    );
  });

  it('round-trips through the decoder, leaving its table empty', () => {
    const fields: [string, string][] = [
      [':status', '200'],
      ['content-type', 'application/grpc+proto'],
      ['grpc-encoding', 'identity'],
      ['accept-encoding', 'gzip, deflate'],
      ['grpc-status', '13'],
      ['grpc-message', `%E2%9C%93 ${'long '.repeat(100)}`],
      ['x-latin1', 'caf\u00e9 \u00ff'],
      ['x-empty', ''],
      ['n'.repeat(200), 'v'],
      ['www-authenticate', ''],
    ];
    const decoder = new HpackDecoder(4096, 1 << 20);
    const block = encodeHeaderBlock(fields);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(decoder.decode(block), { headers: flat(fields), tooLarge: false });
    }
    assert.equal(decoder.tableSize, 0);
    // A Uint8Array that is not a Buffer, offset into a larger buffer.
    const copy = new Uint8Array(block.length + 4);
    copy.set(block, 4);
    assert.deepEqual(decoder.decode(copy.subarray(4)).headers, flat(fields));
  });

  it('decodes Huffman names and values written by hand', () => {
    const name = huffmanEncode('x-huff');
    const value = huffmanEncode('some value');
    const block = Buffer.concat([
      Buffer.from([0x40, 0x80 | name.length]),
      name,
      Buffer.from([0x80 | value.length]),
      value,
    ]);
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decode(block).headers, ['x-huff', 'some value']);
    assert.deepEqual(decoder.tableEntries(), [['x-huff', 'some value']]);
  });
});

const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_SIZE = 9;
const HEADERS = 0x1;
const SETTINGS = 0x4;
const CONTINUATION = 0x9;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const CAPTURE_TIMEOUT_MS = 5000;

function settingsFrame(flags: number): Buffer {
  const frame = Buffer.alloc(FRAME_HEADER_SIZE);
  frame[3] = SETTINGS;
  frame[4] = flags;
  return frame;
}

interface CapturedBlock {
  streamId: number;
  block: Buffer;
}

/**
 * Sends the requests from a node:http2 client (nghttp2's encoder) to a bare TCP server that
 * answers SETTINGS just enough for the client to go on and collects the header blocks the
 * client writes, in the order it wrote them.
 */
async function captureHeaderBlocks(
  requests: readonly http2.OutgoingHttpHeaders[],
): Promise<CapturedBlock[]> {
  const captured: CapturedBlock[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer();
  let client: http2.ClientHttp2Session | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<CapturedBlock[]>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out with ${captured.length} header blocks`)),
        CAPTURE_TIMEOUT_MS,
      );
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('error', reject);
        socket.write(settingsFrame(0));
        let pending = Buffer.alloc(0);
        let prefaceRead = false;
        let block: CapturedBlock | undefined;
        socket.on('data', (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          if (!prefaceRead) {
            if (pending.length < CLIENT_PREFACE.length) return;
            if (!pending.subarray(0, CLIENT_PREFACE.length).equals(CLIENT_PREFACE)) {
              reject(new Error('the client did not start with the HTTP/2 preface'));
              return;
            }
            pending = pending.subarray(CLIENT_PREFACE.length);
            prefaceRead = true;
          }
          while (pending.length >= FRAME_HEADER_SIZE) {
            const length = pending.readUIntBE(0, 3);
            if (pending.length < FRAME_HEADER_SIZE + length) break;
            const type = pending[3];
            const flags = pending[4] as number;
            const streamId = pending.readUInt32BE(5) & 0x7fffffff;
            let payload = pending.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + length);
            pending = pending.subarray(FRAME_HEADER_SIZE + length);
            if (type === SETTINGS && (flags & ACK) === 0) socket.write(settingsFrame(ACK));
            if (type === HEADERS) {
              if (flags & PADDED) {
                payload = payload.subarray(1, payload.length - (payload[0] as number));
              }
              if (flags & PRIORITY) payload = payload.subarray(5);
              block = { streamId, block: payload };
            } else if (type === CONTINUATION && block !== undefined) {
              block.block = Buffer.concat([block.block, payload]);
            } else {
              continue;
            }
            if (flags & END_HEADERS && block !== undefined) {
              captured.push(block);
              block = undefined;
              if (captured.length === requests.length) resolve(captured);
            }
          }
        });
      });
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        client = http2.connect(`http://127.0.0.1:${port}`);
        client.on('error', reject);
        for (const headers of requests) {
          // Never answered: the client is destroyed below, which fails the streams.
          client.request(headers, { endStream: true }).on('error', () => {});
        }
      });
    });
  } finally {
    clearTimeout(timer);
    client?.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('HPACK decoder against nghttp2 (node:http2 client)', () => {
  it('decodes request after request on one connection, dynamic table and all', async () => {
    const next = seededRandom(9113);
    const randomText = (length: number) =>
      Array.from({ length }, () => String.fromCharCode(0x21 + Math.floor(next() * 94))).join('');
    const constantLong = randomText(1000);
    const requests: Record<string, string>[] = Array.from({ length: 6 }, (_, i) => ({
      ':method': 'POST',
      ':scheme': 'http',
      ':authority': 'grpc.example.com:8000',
      ':path': `/centrifugal.centrifugo.api.CentrifugoApi/Method${i % 2}`,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '5S',
      'user-agent': 'grpc-node-js/1.14.7',
      'x-constant-long': constantLong,
      // New and long in every request, so the table fills and its oldest entries go.
      'x-request-blob': randomText(900 + i * 50),
      'x-request-id': String(i),
      'x-latin1': 'caf\u00e9',
      authorization: `Bearer ${randomText(40)}`,
    }));
    const captured = await captureHeaderBlocks(
      requests.map((fields) => ({ ...fields, [http2.sensitiveHeaders]: ['authorization'] })),
    );
    assert.equal(captured.length, requests.length);
    const decoder = new HpackDecoder(4096, 1 << 20);
    captured.forEach(({ streamId, block }, i) => {
      assert.equal(streamId, 1 + 2 * i);
      assert.deepEqual(
        decoder.decode(block),
        { headers: Object.entries(requests[i] ?? {}).flat(), tooLarge: false },
        `request ${i}`,
      );
      assert.ok(decoder.tableSize <= 4096);
    });
    // The second request took the long constant from the dynamic table, not as a literal.
    assert.ok((captured[1]?.block.length ?? 0) < huffmanEncodedLength(constantLong) + 900);
    const tableValues = decoder.tableEntries().map(([, value]) => value);
    // Evicted by the later requests' blobs.
    assert.ok(!tableValues.includes(requests[0]?.['x-request-blob'] ?? ''));
    assert.ok(tableValues.includes(requests[5]?.['x-request-blob'] ?? ''));
    // Sent never indexed, so never in the table.
    assert.ok(!tableValues.some((value) => value.startsWith('Bearer ')));
  });
});
