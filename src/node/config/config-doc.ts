// The configuration documented from the schema, as Centrifugo v6.9.1's `configdoc` documents
// its own: one entry per key, nested as the config is, each with its type (Centrifugo's Go
// type name where the key is Centrifugo's), its default, its variable and its description.
// `configdoc -m` prints the Markdown; without -m the same entries are served as a page.
import { Kind, type TSchema } from '@sinclair/typebox';
import { CENTRIFUGO_LEAVES, CENTRIFUGO_OBJECTS } from './centrifugo-keys.ts';
import { ConfigSchema } from './schema.ts';
import { NOT_SUPPORTED } from './support.ts';

export interface FieldDoc {
  field: string;
  name: string;
  level: number;
  type: string;
  default: string;
  comment: string;
  complex: boolean;
  children: FieldDoc[];
}

export function documentConfig(): FieldDoc[] {
  return documentObject(ConfigSchema, '', 1);
}

function documentObject(schema: TSchema, parent: string, level: number): FieldDoc[] {
  const out: FieldDoc[] = [];
  const childLevel = parent === '' ? level : level + 1;
  for (const [name, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const field = parent === '' ? name : `${parent}.${name}`;
    const isObject = child[Kind] === 'Object';
    const isList = child[Kind] === 'Array' && child.items?.[Kind] === 'Object';
    const doc: FieldDoc = {
      field,
      name,
      level: childLevel,
      type: typeOf(field, name, child),
      default: isList ? '[]' : isObject ? '' : defaultText(child),
      comment: commentOf(field, child),
      complex: isObject || isList,
      children: [],
    };
    if (isObject) doc.children = documentObject(child, field, childLevel);
    if (isList) doc.children = documentObject(child.items as TSchema, `${field}[]`, childLevel);
    out.push(doc);
  }
  return out;
}

function typeOf(field: string, name: string, schema: TSchema): string {
  const known = CENTRIFUGO_OBJECTS.get(field) ?? CENTRIFUGO_LEAVES.get(field)?.type;
  if (known !== undefined) return known;
  switch (schema[Kind]) {
    case 'Object':
      return pascal(name);
    case 'Array':
      return schema.items?.[Kind] === 'Object' ? `[]${pascal(name)}` : '[]string';
    case 'Boolean':
      return 'bool';
    case 'Integer':
      return 'int';
    default:
      return schema.format === 'duration' ? 'Duration' : 'string';
  }
}

const pascal = (name: string) =>
  name
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

/** A default worth printing (Centrifugo's docs name none for zero values, but a few). */
function defaultText(schema: TSchema): string {
  const def: unknown = schema.default;
  if (schema.printDefault === true && def !== undefined) return String(def);
  if (def === undefined || def === false || def === 0 || def === '' || def === '0s') return '';
  if (Array.isArray(def)) return def.length === 0 ? '' : JSON.stringify(def);
  return String(def);
}

function commentOf(field: string, schema: TSchema): string {
  const text = typeof schema.description === 'string' ? schema.description : '';
  const ended = /[.!?)]$/.test(text) ? text : `${text}.`;
  const sentence = text === '' ? '' : `${ended.charAt(0).toUpperCase()}${ended.slice(1)}`;
  const why = NOT_SUPPORTED[field];
  if (why === undefined) return sentence;
  return `${sentence} Not supported yet (${why}): only its default is accepted.`.trim();
}

export interface MarkdownOptions {
  /** Only entries whose key starts with this (Centrifugo's -s). */
  section?: string;
  /** Added to every heading level, at most 6 (Centrifugo's -l). */
  baseLevel?: number;
}

/** The Markdown `configdoc -m` prints, in Centrifugo's layout. */
export function configMarkdown(docs: FieldDoc[], options: MarkdownOptions = {}): string {
  const section = options.section ?? '';
  let out = '';
  for (const doc of docs) {
    if (section !== '' && !doc.field.startsWith(section)) continue;
    const header = '#'.repeat(Math.min(6, doc.level + (options.baseLevel ?? 0)));
    let typeLine = doc.complex ? `Type: \`${doc.type}\` object` : `Type: \`${doc.type}\``;
    if (doc.default !== '') typeLine += `. Default: \`${doc.default}\``;
    const env = envOf(doc);
    if (env !== '') typeLine += `\n\nEnv: \`${env}\``;
    const comment = doc.comment === '' ? 'No documentation available.' : doc.comment;
    out += `${header} \`${doc.field}\`\n\n${typeLine}\n\n${comment}\n\n`;
    out += configMarkdown(doc.children, options);
  }
  return out;
}

/** Top-level named lists whose items configdoc spells as CENTRIFUGO_<LIST>_<NAME>_<KEY>. */
const SPELLED_LISTS = ['consumers', 'proxies'];

/**
 * The variable shown for a key, by Centrifugo's rules: every key outside list items, objects
 * only when they are lists; inside the items of a top-level named list (consumers, proxies)
 * CENTRIFUGO_<LIST>_<NAME>_<KEY> for every key but the name; none inside other list items
 * (channel.namespaces[].x is set through CENTRIFUGO_CHANNEL_NAMESPACES_<NAME>_X too, which
 * Centrifugo's configdoc does not spell out).
 */
function envOf(doc: FieldDoc): string {
  if (doc.complex && doc.default !== '[]') return '';
  const spelled = SPELLED_LISTS.find((l) => doc.field.startsWith(`${l}[].`));
  if (spelled !== undefined) {
    const rest = doc.field.slice(spelled.length + 3);
    if (rest === 'name' || rest.includes('[]')) return '';
    return `CENTRIFUGO_${spelled.toUpperCase()}_<NAME>_${rest.replaceAll('.', '_').toUpperCase()}`;
  }
  if (doc.field.includes('[]')) return '';
  return `CENTRIFUGO_${doc.field.replaceAll('.', '_').toUpperCase()}`;
}
