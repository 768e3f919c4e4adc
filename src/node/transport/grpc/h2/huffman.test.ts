import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hex, seededRandom } from '../../../../../test/seeded.ts';
import { HpackError } from './hpack-error.ts';
import {
  huffmanDecode,
  huffmanDecodeRange,
  huffmanEncode,
  huffmanEncodedLength,
} from './huffman.ts';

const allOctets = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

describe('HPACK Huffman code', () => {
  it('encodes and decodes the strings of RFC 7541 Appendix C', () => {
    const examples: [string, string][] = [
      ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
      ['no-cache', 'a8eb 1064 9cbf'],
      ['custom-key', '25a8 49e9 5ba9 7d7f'],
      ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
      ['302', '6402'],
      ['private', 'aec3 771a 4b'],
      ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
      ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
      [
        'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
        '94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
      ],
    ];
    for (const [text, encoded] of examples) {
      assert.deepEqual(huffmanEncode(text), hex(encoded), text);
      assert.equal(huffmanEncodedLength(text), hex(encoded).length, text);
      assert.equal(huffmanDecode(hex(encoded)), text);
    }
  });

  it('round-trips every octet, alone and all together', () => {
    for (let octet = 0; octet < 256; octet++) {
      const s = String.fromCharCode(octet);
      const encoded = huffmanEncode(s);
      assert.equal(encoded.length, huffmanEncodedLength(s));
      assert.equal(huffmanDecode(encoded), s, `octet ${octet}`);
      assert.equal(huffmanDecode(huffmanEncode(s.repeat(9))), s.repeat(9), `octet ${octet} x9`);
    }
    assert.equal(huffmanDecode(huffmanEncode(allOctets)), allOctets);
    const reversed = [...allOctets].reverse().join('');
    assert.equal(huffmanDecode(huffmanEncode(reversed)), reversed);
  });

  it('round-trips random strings of any octets and of header-like text', () => {
    const next = seededRandom(7541);
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789-_./:;=, ABCDEFXYZ';
    for (let round = 0; round < 500; round++) {
      const length = Math.floor(next() * 200);
      let any = '';
      let headerLike = '';
      for (let i = 0; i < length; i++) {
        any += String.fromCharCode(Math.floor(next() * 256));
        headerLike += text[Math.floor(next() * text.length)];
      }
      for (const s of [any, headerLike]) {
        const encoded = huffmanEncode(s);
        assert.equal(encoded.length, huffmanEncodedLength(s));
        assert.equal(huffmanDecode(encoded), s);
      }
    }
  });

  it('decodes long strings past the shared scratch buffer, and a range of a larger buffer', () => {
    const long = 'x-grpc-'.repeat(20_000);
    assert.equal(huffmanDecode(huffmanEncode(long)), long);
    const encoded = huffmanEncode('custom-value');
    const framed = Buffer.concat([Buffer.from([1, 2, 3]), encoded, Buffer.from([0, 0])]);
    assert.equal(huffmanDecodeRange(framed, 3, 3 + encoded.length), 'custom-value');
    assert.equal(huffmanDecode(new Uint8Array(0)), '');
    assert.equal(huffmanEncode('').length, 0);
  });

  it('refuses EOS inside the data (§5.2)', () => {
    // 30 ones are EOS; the 2 left over are valid padding, so only the EOS is wrong.
    assert.throws(() => huffmanDecode(hex('ffff ffff')), HpackError);
    // 'a' (00011), then EOS across the next bytes.
    assert.throws(() => huffmanDecode(hex('1fff ffff ff')), HpackError);
  });

  it('refuses padding longer than 7 bits', () => {
    assert.throws(() => huffmanDecode(hex('ff')), HpackError);
    // 'a' is 00011: 3 bits of padding in 0x1f, then 8 more.
    assert.equal(huffmanDecode(hex('1f')), 'a');
    assert.throws(() => huffmanDecode(hex('1fff')), HpackError);
    // '0' is 00000, then 27 ones: a prefix of EOS, but far too long for padding.
    assert.throws(() => huffmanDecode(hex('07ff ffff')), HpackError);
  });

  it('refuses padding that is not the most significant bits of EOS', () => {
    // 'a' (00011) padded with 000 or 101 instead of 111.
    assert.throws(() => huffmanDecode(hex('18')), HpackError);
    assert.throws(() => huffmanDecode(hex('1d')), HpackError);
    // 'custom-key' with the last of its 7 padding bits cleared.
    assert.throws(() => huffmanDecode(hex('25a8 49e9 5ba9 7d7e')), HpackError);
    assert.equal(huffmanDecode(hex('25a8 49e9 5ba9 7d7f')), 'custom-key');
  });
});
