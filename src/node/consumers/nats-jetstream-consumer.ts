// Consumes a JetStream stream through a durable pull consumer, as Centrifugo's
// (internal/consuming/nats_jetstream.go) does: every node pulls from the same durable, so
// the cluster handles each message once; messages are processed one at a time, acked after
// the command succeeded, and nak'ed with a delay growing with the delivery count otherwise
// (redelivered after it, never spinning). The durable is created or updated at startup
// (ack wait 30 s, deliver_policy, subjects, max_ack_pending), or only looked up with
// use_existing_consumer; when it (or its stream) disappears, or heartbeats stop, it is made
// again with backoff. The @nats-io client stays inside this file.

import { readFileSync } from 'node:fs';
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type Consumer as JsConsumer,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { credsAuthenticator, type NatsConnection, nanos } from '@nats-io/nats-core';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsJetStreamConsumerConfig } from '../config/index.ts';
import { clientTlsOptions } from '../config/index.ts';
import { nextBackoffMs } from './backoff.ts';
import { type Consumer, type ConsumerContext, pause } from './consumer.ts';
import { BadPublicationField, headerNames, publicationOf } from './publication-fields.ts';

const ACK_WAIT_MS = 30_000;
const SETUP_TIMEOUT_MS = 10_000;
const PULL_HEARTBEAT_MS = 5_000;
/** A session shorter than this keeps the recreation backoff growing (flapping). */
const BACKOFF_RESET_MS = 30_000;
const CONSUMER_EXISTS = 10148;
const DRAIN_TIMEOUT_MS = 2_000;
const RECREATE_ON: ReadonlySet<string> = new Set([
  'heartbeats_missed',
  'consumer_deleted',
  'consumer_not_found',
  'stream_not_found',
]);

export class NatsJetStreamConsumer implements Consumer {
  private readonly config: NatsJetStreamConsumerConfig;
  private readonly ctx: ConsumerContext;
  private readonly key: string;
  private readonly abort = new AbortController();
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(config: NatsJetStreamConsumerConfig, ctx: ConsumerContext, key: string) {
    this.config = config;
    this.ctx = ctx;
    this.key = key;
  }

  async start(): Promise<void> {
    try {
      this.nc = await connect(this.connectionOptions());
    } catch (err) {
      throw new Error(
        `consumer ${this.ctx.name}: failed to connect to NATS at ${this.config.url}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    void this.watchConnection(this.nc);
    let consumer: JsConsumer;
    try {
      consumer = await this.consumer();
    } catch (err) {
      await this.nc.close();
      throw new Error(
        `consumer ${this.ctx.name}: failed to create JetStream consumer: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.loop = this.run(consumer);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      this.messages?.stop();
      await this.loop;
      const nc = this.nc;
      if (nc === undefined) return;
      // Drain flushes the last acks; a NATS that is gone would keep it waiting, so bound it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        nc.drain().catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!nc.isClosed()) await nc.close().catch(() => {});
    })();
    return this.closing;
  }

  private connectionOptions(): NodeConnectionOptions {
    const c = this.config;
    const options: NodeConnectionOptions = {
      servers: c.url,
      name: `centrifugo-ts consumer ${this.ctx.name}`,
      maxReconnectAttempts: -1,
      timeout: SETUP_TIMEOUT_MS,
    };
    // One method, in Centrifugo's order: credentials file, then user and password, then token.
    if (c.credentials_file !== '') {
      options.authenticator = credsAuthenticator(readFileSync(c.credentials_file));
    } else if (c.username !== '') {
      options.user = c.username;
      options.pass = c.password;
    } else if (c.token !== '') {
      options.token = c.token;
    }
    const tls = clientTlsOptions(c.tls, `${this.key}.tls`);
    if (tls) options.tls = tls as NodeConnectionOptions['tls'];
    return options;
  }

  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.ctx.logger.warn('disconnected from NATS');
      else if (s.type === 'reconnect') this.ctx.logger.info('reconnected to NATS');
    }
  }

  /** The durable: created or updated to the config, or looked up with use_existing_consumer. */
  private async consumer(): Promise<JsConsumer> {
    const nc = this.nc as NatsConnection;
    const c = this.config;
    const js = jetstream(nc, { timeout: SETUP_TIMEOUT_MS });
    if (c.use_existing_consumer) return js.consumers.get(c.stream_name, c.durable_consumer_name);
    const jsm = await jetstreamManager(nc, { timeout: SETUP_TIMEOUT_MS });
    const cfg: Partial<ConsumerConfig> = {
      name: c.durable_consumer_name,
      durable_name: c.durable_consumer_name,
      deliver_policy: c.deliver_policy === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: c.max_ack_pending || 100,
      ...(c.subjects.length > 0 ? { filter_subjects: c.subjects } : {}),
    };
    try {
      await jsm.consumers.add(c.stream_name, cfg);
    } catch (err) {
      // Create-or-update, as nats.go's CreateOrUpdateConsumer: an existing durable with
      // another config is updated to this one.
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code !== CONSUMER_EXISTS)
        throw err;
      await jsm.consumers.update(c.stream_name, c.durable_consumer_name, cfg);
    }
    return js.consumers.get(c.stream_name, c.durable_consumer_name);
  }

  private async run(first: JsConsumer): Promise<void> {
    const signal = this.abort.signal;
    let consumer: JsConsumer | undefined = first;
    let backoffMs = 0;
    let retries = 0;
    while (!signal.aborted) {
      if (consumer === undefined) {
        try {
          consumer = await this.consumer();
          this.ctx.logger.info('consumer recreation succeeded');
        } catch (err) {
          backoffMs = nextBackoffMs(backoffMs, retries++);
          this.ctx.log.warn('recreate', 'failed to recreate consumer, retrying', () => ({
            err: (err as Error).message,
            delayMs: backoffMs,
          }));
          await pause(backoffMs, signal);
          continue;
        }
      }
      const startedAt = Date.now();
      try {
        await this.consume(consumer);
      } catch (err) {
        if (signal.aborted) return;
        this.ctx.log.warn('consume', 'error during consuming', () => ({
          err: (err as Error).message,
        }));
      }
      if (signal.aborted) return;
      this.ctx.logger.info('recreating consumer');
      consumer = undefined;
      if (Date.now() - startedAt > BACKOFF_RESET_MS) {
        backoffMs = 0;
        retries = 0;
      } else {
        backoffMs = nextBackoffMs(backoffMs, retries++);
        await pause(backoffMs, signal);
      }
    }
  }

  /** Until the consumer is lost (returns) or close(). */
  private async consume(consumer: JsConsumer): Promise<void> {
    const messages = await consumer.consume({
      idle_heartbeat: PULL_HEARTBEAT_MS,
      max_messages: Math.max(1, Math.min(this.config.max_ack_pending || 100, 256)),
    });
    this.messages = messages;
    if (this.abort.signal.aborted) messages.stop();
    void (async () => {
      for await (const s of messages.status()) {
        if (RECREATE_ON.has(s.type)) {
          this.ctx.log.warn(
            'unavailable',
            'consumer unavailable, triggering consumer recreation',
            () => ({
              status: s.type,
            }),
          );
          messages.stop();
          return;
        }
      }
    })();
    this.ctx.logger.info('consuming started, waiting for messages');
    for await (const msg of messages) {
      await this.handle(msg);
      if (this.abort.signal.aborted) break;
    }
    messages.stop();
  }

  private async handle(msg: JsMsg): Promise<void> {
    try {
      await this.process(msg);
    } catch (err) {
      this.ctx.failed();
      this.ctx.log.warn('process', 'processing message failed', () => ({
        err: (err as Error).message,
      }));
      msg.nak(nakDelayMs(msg.info.deliveryCount));
      return;
    }
    msg.ack();
    this.ctx.processed();
  }

  private async process(msg: JsMsg): Promise<void> {
    const headers = msg.headers;
    const get = (name: string) => headers?.get(name) ?? '';
    const mode = this.config.publication_data_mode;
    if (!mode.enabled) {
      return this.ctx.dispatcher.dispatchCommand(get(this.config.method_header), msg.data);
    }
    let parsed: ReturnType<typeof publicationOf>;
    try {
      parsed = publicationOf(headerNames(mode), msg.data, get, () =>
        (headers?.keys() ?? []).map((k): [string, string] => [k, headers?.get(k) ?? '']),
      );
    } catch (err) {
      if (!(err instanceof BadPublicationField)) throw err;
      this.ctx.log.warn('bad-header', 'error parsing header, skipping message', () => ({
        err: err.message,
      }));
      return;
    }
    if (parsed.channels.length === 0) {
      this.ctx.log.warn('no-channels', 'no channels found, skipping message');
      return;
    }
    return this.ctx.dispatcher.dispatchPublication(parsed.channels, parsed.publication);
  }
}

/** The redelivery delay of a failed message: the backoff of its delivery count, capped at 10. */
function nakDelayMs(deliveryCount: number): number {
  return nextBackoffMs(0, Math.min(Math.max(deliveryCount, 1), 10));
}
