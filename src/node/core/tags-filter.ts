// Publication tags filter (Centrifugo v6.? `allow_tags_filter`): a subscriber's `tf`, a tree
// of FilterNode (client.proto SubscribeRequest.tf = 13), decides from a publication's tags
// whether it is delivered to that subscriber. The rules are Centrifugo's
// (centrifuge internal/filter/filter.go, Match and Validate), checked against Centrifugo
// v6.9.1 where they are not obvious (tags-filter.test.ts says which).

/** One node of a tags filter, as both client protocol codecs decode it (absent = zero). */
export interface FilterNode {
  /** '' (or absent): a comparison (leaf); 'and', 'or', 'not': of `nodes`. */
  op?: string | undefined;
  key?: string | undefined;
  /** eq neq in nin ex nex sw ew ct gt gte lt lte */
  cmp?: string | undefined;
  val?: string | undefined;
  vals?: string[] | undefined;
  nodes?: FilterNode[] | undefined;
}

const VALUE_CMPS = new Set(['eq', 'neq', 'sw', 'ew', 'ct', 'gt', 'gte', 'lt', 'lte']);
const SET_CMPS = new Set(['in', 'nin']);
const PRESENCE_CMPS = new Set(['ex', 'nex']);

/**
 * Why a subscriber's filter is refused, in Centrifugo's words (filter.go Validate), or
 * undefined when it is well-formed. The subscribe is then answered 107 bad request, as it is
 * when the channel does not allow tags filters (centrifuge client.go, subscribe).
 */
export function tagsFilterProblem(node: FilterNode): string | undefined {
  const op = node.op ?? '';
  const nodes = node.nodes ?? [];
  switch (op) {
    case '': {
      const cmp = node.cmp ?? '';
      const val = node.val ?? '';
      const vals = node.vals ?? [];
      if (cmp === '') return 'leaf node must have cmp set';
      if (VALUE_CMPS.has(cmp)) {
        if (val === '') return `${cmp} comparison requires Val`;
        if (vals.length > 0) return `${cmp} comparison must not use Vals`;
      } else if (SET_CMPS.has(cmp)) {
        if (vals.length === 0) return `${cmp} comparison requires non-empty Vals`;
        if (val !== '') return `${cmp} comparison must not use Val`;
      } else if (PRESENCE_CMPS.has(cmp)) {
        if (val !== '' || vals.length > 0) return `${cmp} comparison must not use Val or Vals`;
      } else {
        return `unknown comparison operator: ${cmp}`;
      }
      // ex and nex may test the empty key (a tag named "").
      if ((node.key ?? '') === '' && !PRESENCE_CMPS.has(cmp)) return 'leaf node requires key';
      return undefined;
    }
    case 'and':
    case 'or':
      if (nodes.length === 0) return `${op} node must have at least one child`;
      for (const child of nodes) {
        const problem = tagsFilterProblem(child);
        if (problem) return problem;
      }
      return undefined;
    case 'not':
      if (nodes.length !== 1) return 'not node must have exactly one child';
      return tagsFilterProblem(nodes[0] as FilterNode);
    default:
      return `invalid op: ${op}`;
  }
}

/**
 * Whether a publication with `tags` passes `filter`. A missing tag reads as '' for in/nin
 * and fails eq, sw, ew, ct and the numeric comparisons, which compare decimals exactly and
 * fail when either side is no decimal. On a filter tagsFilterProblem refuses the answer is
 * false, as Centrifugo ignores Match's error (a malformed node makes its whole branch fail,
 * through `not` as well).
 */
export function matchesTagsFilter(
  filter: FilterNode,
  tags: Readonly<Record<string, string>> | undefined,
): boolean {
  return evaluate(filter, tags ?? {}) === true;
}

/** true, false, or undefined for a malformed node (Match's error). */
function evaluate(node: FilterNode, tags: Readonly<Record<string, string>>): boolean | undefined {
  const nodes = node.nodes ?? [];
  switch (node.op ?? '') {
    case '':
      return compare(node, tags);
    case 'and':
      for (const child of nodes) {
        const r = evaluate(child, tags);
        if (r !== true) return r;
      }
      return true;
    case 'or':
      for (const child of nodes) {
        const r = evaluate(child, tags);
        if (r !== false) return r;
      }
      return false;
    case 'not': {
      if (nodes.length !== 1) return undefined;
      const r = evaluate(nodes[0] as FilterNode, tags);
      return r === undefined ? undefined : !r;
    }
    default:
      return undefined;
  }
}

function compare(node: FilterNode, tags: Readonly<Record<string, string>>): boolean | undefined {
  const key = node.key ?? '';
  // Own properties only: a tag map is a plain object, and "constructor" is no tag.
  const present = Object.hasOwn(tags, key);
  const value = present ? (tags[key] as string) : '';
  const val = node.val ?? '';
  switch (node.cmp ?? '') {
    case 'eq':
      return present && value === val;
    case 'neq':
      return !present || value !== val;
    case 'in':
      return (node.vals ?? []).includes(value);
    case 'nin':
      return !(node.vals ?? []).includes(value);
    case 'ex':
      return present;
    case 'nex':
      return !present;
    case 'sw':
      return present && value.startsWith(val);
    case 'ew':
      return present && value.endsWith(val);
    case 'ct':
      return present && value.includes(val);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (!present) return false;
      const a = decimal(value);
      const b = decimal(val);
      if (a === undefined || b === undefined) return false;
      if (node.cmp === 'gt') return a > b;
      if (node.cmp === 'gte') return a >= b;
      if (node.cmp === 'lt') return a < b;
      return a <= b;
    }
    default:
      return undefined;
  }
}

/**
 * The decimals Centrifugo's parser (github.com/quagmt/udecimal Parse) accepts: an optional
 * sign, digits, and at most 19 digits after a point; no exponent, no spaces, at most 200
 * characters. As an integer scaled by 10^19, so comparing is exact.
 */
const DECIMAL = /^[+-]?[0-9]+(?:\.[0-9]{1,19})?$/;
const MAX_DECIMAL_LENGTH = 200;
const SCALE_DIGITS = 19;

function decimal(s: string): bigint | undefined {
  if (s.length > MAX_DECIMAL_LENGTH || !DECIMAL.test(s)) return undefined;
  const signed = s[0] === '-' || s[0] === '+';
  const body = signed ? s.slice(1) : s;
  const point = body.indexOf('.');
  const whole = point < 0 ? body : body.slice(0, point);
  const fraction = point < 0 ? '' : body.slice(point + 1);
  const scaled = BigInt(whole + fraction.padEnd(SCALE_DIGITS, '0'));
  return s[0] === '-' ? -scaled : scaled;
}
