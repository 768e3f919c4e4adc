import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalRedirect, cleanPath } from './clean-path.ts';

describe('non-canonical paths, as Go ServeMux', () => {
  it('cleans as path.Clean does and keeps a trailing slash', () => {
    assert.equal(cleanPath('/api//publish'), '/api/publish');
    assert.equal(cleanPath('//connection/websocket'), '/connection/websocket');
    assert.equal(cleanPath('/a/./b/../c/'), '/a/c/');
    assert.equal(cleanPath('/../x'), '/x');
    assert.equal(cleanPath('/'), '/');
    assert.equal(cleanPath('/api/'), '/api/');
  });

  it('redirects 307 with the query kept, an HTML body for GET only', () => {
    assert.equal(canonicalRedirect('/api/publish', 'POST'), undefined);
    assert.equal(canonicalRedirect('/connection/websocket/', 'GET'), undefined);
    assert.equal(canonicalRedirect('/.well-known/x..y', 'GET'), undefined);
    for (const path of ['/a/.', '/a/..', '/a/./b', '/a/../b', '/./', '/a//']) {
      assert.ok(canonicalRedirect(path, 'GET'), path);
    }
    assert.deepEqual(canonicalRedirect('/api//publish', 'POST'), {
      location: '/api/publish',
      headers: {},
      body: '',
    });
    assert.deepEqual(canonicalRedirect('/api//info?x=1&y=2', 'GET'), {
      location: '/api/info?x=1&y=2',
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<a href="/api/info?x=1&amp;y=2">Temporary Redirect</a>.\n',
    });
  });
});
