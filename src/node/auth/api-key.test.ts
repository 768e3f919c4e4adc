import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApiKeyCheck, extractApiKey } from './api-key.ts';

const apiKeyMatches = (given: string | undefined, expected: string) =>
  createApiKeyCheck(expected)(given);

describe('extractApiKey', () => {
  it('prefers x-api-key, then Authorization, then the api_key query parameter', () => {
    const all = { 'x-api-key': 'header', authorization: 'apikey auth' };
    assert.equal(extractApiKey(all, { api_key: 'query' }), 'header');
    assert.equal(extractApiKey({ authorization: 'apikey auth' }, { api_key: 'query' }), 'auth');
    assert.equal(extractApiKey({}, { api_key: 'query' }), 'query');
    assert.equal(extractApiKey({}, {}), undefined);
    assert.equal(extractApiKey({}, undefined), undefined);
  });

  it('reads the Authorization scheme case-insensitively', () => {
    assert.equal(extractApiKey({ authorization: 'APIKEY k' }, {}), 'k');
    assert.equal(extractApiKey({ authorization: 'ApiKey k' }, {}), 'k');
  });

  it('ignores a malformed Authorization header and falls through to the query', () => {
    for (const authorization of ['apikey', 'apikey a b', 'Bearer k', 'apikey  k', 'apikeyk']) {
      assert.equal(extractApiKey({ authorization }, { api_key: 'q' }), 'q', authorization);
    }
  });

  it('takes the first of repeated values and skips empty ones', () => {
    assert.equal(extractApiKey({ 'x-api-key': ['one', 'two'] }, {}), 'one');
    assert.equal(extractApiKey({}, { api_key: ['one', 'two'] }), 'one');
    assert.equal(extractApiKey({ 'x-api-key': '' }, { api_key: 'q' }), 'q');
    assert.equal(extractApiKey({}, { api_key: 7 }), undefined);
  });
});

describe('createApiKeyCheck', () => {
  it('matches only the configured key', () => {
    assert.equal(apiKeyMatches('secret', 'secret'), true);
    assert.equal(apiKeyMatches('secreT', 'secret'), false);
    assert.equal(apiKeyMatches('secret-longer', 'secret'), false);
    assert.equal(apiKeyMatches('secre', 'secret'), false);
    assert.equal(apiKeyMatches('secret\u0000', 'secret'), false);
    assert.equal(
      apiKeyMatches('secret', 'secret\u0000'),
      false,
      'a zero-padded prefix is not the key',
    );
    assert.equal(apiKeyMatches('ключ', 'ключ'), true);
    assert.equal(apiKeyMatches('ключ', 'ключи'), false);
    assert.equal(apiKeyMatches(undefined, 'secret'), false);
  });

  it('never matches when no key is configured', () => {
    assert.equal(apiKeyMatches('', ''), false);
    assert.equal(apiKeyMatches('anything', ''), false);
  });
});
