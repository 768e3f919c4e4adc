// Structured JSON logs (pino) at `log.level`; `none` silences them. Centrifugo's
// `trace`..`fatal` levels map one to one onto pino's.
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LogSettings {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'none';
  file: string;
}

export function createLogger(settings: LogSettings): Logger {
  const level = settings.level === 'none' ? 'silent' : settings.level;
  const destination =
    settings.file === ''
      ? pino.destination({ dest: 1, sync: false })
      : pino.destination({ dest: settings.file, mkdir: true, sync: false });
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
