import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexSpans, objectSpans } from './raw-json.ts';

const text = (t: string, s: { start: number; end: number } | undefined) =>
  s === undefined ? undefined : t.slice(s.start, s.end);

describe('raw JSON spans', () => {
  it('finds member values byte for byte, escaped keys read as JSON.parse reads them', () => {
    const body =
      '{ "channel" : "a\\"b", "d\\u0061ta": {"n": 12345678901234567890, "s": "}"},\n"x":[1,{"y":"]"}] }';
    const spans = objectSpans(body, { start: 0, end: body.length });
    assert.deepEqual([...spans.keys()], ['channel', 'data', 'x']);
    assert.equal(text(body, spans.get('channel')), '"a\\"b"');
    assert.equal(text(body, spans.get('data')), '{"n": 12345678901234567890, "s": "}"}');
    const x = spans.get('x');
    assert.ok(x);
    assert.deepEqual(
      (indexSpans(body, x, 1).items ?? []).map((s) => text(body, s)),
      ['1', '{"y":"]"}'],
    );
  });

  it('keeps the last of repeated keys, as JSON.parse does', () => {
    const body = '{"data": 1, "data": [2]}';
    assert.equal(text(body, objectSpans(body, { start: 0, end: body.length }).get('data')), '[2]');
  });
});
