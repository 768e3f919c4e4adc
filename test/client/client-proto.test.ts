// proto/client.proto and the codecs' descriptors describe the same messages: same names,
// field names, numbers and types. A change to one without the other fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import type { MessageDesc } from '../../src/node/protocol/descriptors.ts';
import * as descriptors from '../../src/node/protocol/descriptors.ts';

function fromProtoFile(): Map<string, string[]> {
  const text = readFileSync(new URL('../../proto/client.proto', import.meta.url), 'utf8');
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/message (\w+) \{([^}]*)\}/g)) {
    const fields = [...(m[2] as string).matchAll(/^\s*(.+?) (\w+) = (\d+);/gm)].map(
      (f) => `${f[1]} ${f[2]} = ${f[3]}`,
    );
    out.set(m[1] as string, fields);
  }
  return out;
}

function fromDescriptors(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (m: MessageDesc) => {
    if (out.has(m.name)) return;
    out.set(
      m.name,
      m.fields.map((f) => {
        const t = typeof f.type === 'string' ? f.type : f.type.name;
        const decl = f.map ? `map<string, ${t}>` : f.repeated ? `repeated ${t}` : t;
        return `${decl} ${f.name} = ${f.no}`;
      }),
    );
    for (const f of m.fields) if (typeof f.type !== 'string') walk(f.type);
  };
  walk(descriptors.Command);
  walk(descriptors.Reply);
  // The unidirectional transports send Pushes alone; the emulation endpoint takes requests.
  walk(descriptors.Push);
  walk(descriptors.EmulationRequest);
  return out;
}

it('proto/client.proto matches the wire descriptors', () => {
  const file = fromProtoFile();
  const code = fromDescriptors();
  assert.deepEqual([...file.keys()].sort(), [...code.keys()].sort());
  for (const [name, fields] of code) assert.deepEqual(file.get(name), fields, name);
});

it('keeps Centrifugo field numbers for the envelopes', () => {
  const numbers = (m: MessageDesc) => Object.fromEntries(m.fields.map((f) => [f.name, f.no]));
  assert.deepEqual(numbers(descriptors.Command), {
    id: 1,
    connect: 4,
    subscribe: 5,
    unsubscribe: 6,
    publish: 7,
    presence: 8,
    presence_stats: 9,
    history: 10,
    ping: 11,
    send: 12,
    rpc: 13,
    refresh: 14,
    sub_refresh: 15,
  });
  assert.deepEqual(numbers(descriptors.Reply), {
    id: 1,
    error: 2,
    push: 4,
    connect: 5,
    subscribe: 6,
    unsubscribe: 7,
    publish: 8,
    presence: 9,
    presence_stats: 10,
    history: 11,
    ping: 12,
    rpc: 13,
    refresh: 14,
    sub_refresh: 15,
  });
});
