import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publicationDataProblem } from './publication-data.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('publicationDataProblem', () => {
  it('requires some data by default, as Centrifugo does (error 107)', () => {
    assert.equal(publicationDataProblem(new Uint8Array(0), ''), 'data required');
    assert.equal(publicationDataProblem(bytes('null'), ''), undefined);
    assert.equal(publicationDataProblem(bytes('not json'), ''), undefined);
  });

  it('lets binary channels take anything, empty too', () => {
    assert.equal(publicationDataProblem(new Uint8Array(0), 'binary'), undefined);
  });

  it('checks JSON and JSON objects where the namespace asks', () => {
    assert.equal(publicationDataProblem(bytes('[1]'), 'json'), undefined);
    assert.equal(publicationDataProblem(bytes('{'), 'json'), 'data is not valid JSON');
    assert.equal(publicationDataProblem(bytes('[1]'), 'json_object'), 'data is not a JSON object');
    assert.equal(publicationDataProblem(bytes('{"a":1}'), 'json_object'), undefined);
  });
});
