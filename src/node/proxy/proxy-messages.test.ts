import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { MessageDesc } from '../protocol/index.ts';
import * as M from './proxy-messages.ts';

const PROTO = fileURLToPath(new URL('../../../proto/proxy.proto', import.meta.url));

describe('proxy-messages.ts against proto/proxy.proto', () => {
  const root = new protobuf.Root().loadSync(PROTO, { keepCase: true });
  const seen = new Set<string>();

  /** Every field the node knows has the proto's number, type and cardinality, nested too. */
  function check(desc: MessageDesc, protoName: string): void {
    if (seen.has(desc.name)) return;
    seen.add(desc.name);
    const type = root.lookupType(`centrifugal.centrifugo.proxy.${protoName}`);
    for (const f of desc.fields) {
      const field = type.fields[f.name];
      assert.ok(field, `${protoName}.${f.name} is in the proto`);
      assert.equal(field.id, f.no, `${protoName}.${f.name} number`);
      assert.equal(field.repeated, f.repeated === true, `${protoName}.${f.name} repeated`);
      assert.equal(field.map, f.map === true, `${protoName}.${f.name} map`);
      if (typeof f.type === 'string') {
        assert.equal(field.type, f.type, `${protoName}.${f.name} type`);
      } else {
        const nested = field.type.split('.').pop() as string;
        check(f.type, nested === 'Error' ? 'Error' : nested);
      }
    }
  }

  it('has the numbers, types and cardinality of every message it encodes or decodes', () => {
    for (const [name, desc] of Object.entries(M)) {
      if (typeof desc === 'object' && desc !== null && 'fields' in desc) {
        check(desc as MessageDesc, (desc as MessageDesc).name);
        assert.ok(seen.has((desc as MessageDesc).name), name);
      }
    }
    assert.ok(seen.size >= 20, `${seen.size} messages checked`);
  });
});
