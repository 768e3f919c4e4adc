import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonStringOf } from './json-string.ts';

// [input, json.Escape(input)] in base64, printed by Centrifugo's encoder
// (github.com/segmentio/encoding v0.5.4, the version centrifuge pins): ASCII, HTML and
// control characters, multi-byte UTF-8, U+2028/U+2029, and bytes that are no UTF-8
// (truncated sequences, surrogates, overlong forms, past U+10FFFF).
const GO_VECTORS: Array<[string, string]> = [
  ['', 'IiI='],
  ['cGxhaW4gYXNjaWkgdGV4dA==', 'InBsYWluIGFzY2lpIHRleHQi'],
  ['eyJhIjoiPGI+JlwiXFwifQ==', 'IntcImFcIjpcIlx1MDAzY2JcdTAwM2VcdTAwMjZcXFwiXFxcXFwifSI='],
  ['dGFiCW5sCmNyDWJzCGZmDAABH38=', 'InRhYlx0bmxcbmNyXHJic1xiZmZcZlx1MDAwMFx1MDAwMVx1MDAxZn8i'],
  ['aMOpbGxvIHfDtnJsZCDml6XmnKwg8J+YgA==', 'ImjDqWxsbyB3w7ZybGQg5pel5pysIPCfmIAi'],
  ['/wD+QQ==', 'Ilx1ZmZmZFx1MDAwMFx1ZmZmZEEi'],
  ['4oCo4oCpQQ==', 'Ilx1MjAyOFx1MjAyOUEi'],
  [
    'w0HigkHtoIDwgICA9JCAgMCv',
    'Ilx1ZmZmZEFcdWZmZmRcdWZmZmRBXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkXHVmZmZkIg==',
  ],
  ['77+94KCA8JCAgMM=', 'Iu+/veCggPCQgIBcdWZmZmQi'],
];

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('jsonStringOf', () => {
  it('escapes as Centrifugo does, byte for byte', () => {
    for (const [input, expected] of GO_VECTORS) {
      const got = Buffer.from(jsonStringOf(bytes(input))).toString('base64');
      assert.equal(got, expected, `input ${input}`);
    }
  });

  it('gives a JSON string that reads back as the text of valid UTF-8', () => {
    const text = '{"note":"hèllo <&>","n":[1,2]}\u2028';
    const literal = new TextDecoder().decode(jsonStringOf(new TextEncoder().encode(text)));
    assert.equal(JSON.parse(literal), text);
  });
});
