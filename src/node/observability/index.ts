export { flattenMetrics, InfoMetrics, type InfoMetricsSnapshot } from './info-metrics.ts';
export { createLogger, type Logger, type LogSettings } from './logger.ts';
export { NodeMetrics } from './metrics.ts';
export { RateLimitedLog } from './rate-limited-log.ts';
