import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ReplyBatch } from './reply-batch.ts';

function fakeResponse(log: string[], name: string): ServerResponse {
  return {
    destroyed: false,
    writeHead: (status: number) => log.push(`${name} ${status}`),
    end: (body: string) => log.push(`${name} ${body}`),
  } as unknown as ServerResponse;
}

it('writes replies at the end of the turn, each batch only its own', async () => {
  const log: string[] = [];
  const a = new ReplyBatch();
  const b = new ReplyBatch();
  a.send(fakeResponse(log, 'a1'), 200, [], 'x');
  b.send(fakeResponse(log, 'b1'), 404, [], 'y');
  a.send(fakeResponse(log, 'a2'), 200, [], 'z');
  assert.deepEqual(log, [], 'nothing written within the turn');
  b.close();
  assert.deepEqual(log, ['b1 404', 'b1 y'], 'close writes what waits, at once');
  await nextTurn();
  assert.deepEqual(log.slice(2), ['a1 200', 'a1 x', 'a2 200', 'a2 z']);
  b.send(fakeResponse(log, 'b2'), 200, [], 'late');
  assert.deepEqual(
    log.slice(6),
    ['b2 200', 'b2 late'],
    'closed: in-flight requests answered at once',
  );
  a.close();
});
