// Centrifugo's consumer metrics, by its names: centrifugo_consumers_messages_processed_total
// and centrifugo_consumers_errors_total, labelled consumer_name, each consumer's series
// present at 0 from the start. Registered in the node's registry, so /metrics shows them.
import { Counter, type Registry } from 'prom-client';

export class ConsumerMetrics {
  readonly processed: Counter<'consumer_name'>;
  readonly errors: Counter<'consumer_name'>;

  constructor(registry: Registry) {
    this.processed = new Counter({
      name: 'centrifugo_consumers_messages_processed_total',
      help: 'Total number of processed messages in consumer',
      labelNames: ['consumer_name'],
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'centrifugo_consumers_errors_total',
      help: 'Total number of errors in consumer',
      labelNames: ['consumer_name'],
      registers: [registry],
    });
  }

  init(name: string): void {
    this.processed.inc({ consumer_name: name }, 0);
    this.errors.inc({ consumer_name: name }, 0);
  }

  /** Removes both counters from the registry (the consumers' close()). */
  unregister(registry: Registry): void {
    registry.removeSingleMetric('centrifugo_consumers_messages_processed_total');
    registry.removeSingleMetric('centrifugo_consumers_errors_total');
  }
}
