// Merges spec.podTemplate.spec over the generated PodSpec, close to a strategic merge patch:
// objects merge key by key, lists whose items all carry a `name` (containers, volumes, env,
// ports, ...) merge item by item on it, other lists and scalars replace, and `null` removes a
// key. So `containers: [{name: centrifugo, env: [...]}]` adds env without restating the image.

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isNamedList = (v: Json): v is Record<string, Json>[] =>
  Array.isArray(v) && v.every((item) => isObject(item) && typeof item.name === 'string');

export function mergeOverrides(base: Json, override: Json): Json {
  if (isObject(base) && isObject(override)) {
    const out: Record<string, Json> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? mergeOverrides(base[key], value) : structuredClone(value);
    }
    return out;
  }
  if (isNamedList(base) && isNamedList(override) && base.length > 0) {
    const out = base.map((item) => ({ ...item }));
    for (const item of override) {
      const i = out.findIndex((b) => b.name === item.name);
      if (i >= 0) out[i] = mergeOverrides(out[i], item) as Record<string, Json>;
      else out.push(structuredClone(item));
    }
    return out;
  }
  return structuredClone(override);
}
