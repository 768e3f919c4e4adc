// Go-style durations ("300ms", "25s", "1h30m", "720h", "0"), the form Centrifugo v6
// config uses. Kept in milliseconds inside the node.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Parses a Go duration string into milliseconds; returns undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let sign = 1;
  let rest = text;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  let total = 0;
  let pos = 0;
  while (pos < rest.length) {
    PART.lastIndex = pos;
    const m = PART.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = PART.lastIndex;
  }
  return sign * total;
}

/** Formats milliseconds back into the shortest Go-style duration, for messages and genconfig. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Milliseconds as Go's time.Duration.String() prints them ("720h0m0s", "1m30s", "1.5s",
 * "100ms", "0s"): the form Centrifugo's defaultconfig and defaultenv write.
 */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${withFraction(ns, 1e3)}µs`;
  if (ns < 1e9) return `${sign}${withFraction(ns, 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns - h * 3.6e12) / 6e10);
  const s = withFraction(ns - h * 3.6e12 - m * 6e10, 1e9);
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** `n / unit` with its decimals, trailing zeros dropped, as Go's fmtFrac writes them. */
function withFraction(n: number, unit: number): string {
  const whole = Math.floor(n / unit);
  const rest = n - whole * unit;
  if (rest === 0) return String(whole);
  const digits = String(rest)
    .padStart(String(unit).length - 1, '0')
    .replace(/0+$/, '');
  return `${whole}.${digits}`;
}
