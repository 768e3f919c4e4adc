// Which options a channel has: the namespace is the text before the first namespace
// boundary (after the private prefix); no boundary means the top-level
// `channel.without_namespace` options. Shared by the server API and the client protocol.
import type { ChannelOptions, Config } from '../config/index.ts';
import { durationMs } from '../config/index.ts';

/** Options of one channel, durations already in milliseconds. */
export interface ResolvedChannel {
  namespace: string;
  options: ChannelOptions;
  historySize: number;
  historyTtlMs: number;
  /** The namespace's history_meta_ttl, or channel.history_meta_ttl when it sets none. */
  historyMetaTtlMs: number;
  /** History exists only where history_size and history_ttl are both set. */
  historyEnabled: boolean;
  /** The namespace's channel_regex, compiled; undefined when it sets none. */
  nameRegex: RegExp | undefined;
}

export class ChannelRules {
  readonly maxLength: number;
  readonly privatePrefix: string;
  private readonly boundary: string;
  private readonly byNamespace = new Map<string, ResolvedChannel>();
  private readonly withoutNamespace: ResolvedChannel;

  constructor(channel: Config['channel']) {
    this.maxLength = channel.max_length;
    this.privatePrefix = channel.private_prefix;
    this.boundary = channel.namespace_boundary;
    const globalMetaTtl = durationMs(channel.history_meta_ttl);
    this.withoutNamespace = resolve('', channel.without_namespace, globalMetaTtl);
    for (const { name, ...options } of channel.namespaces) {
      this.byNamespace.set(name, resolve(name, options, globalMetaTtl));
    }
  }

  /** The namespace part of a channel name ('' when it has none). */
  namespaceOf(channel: string): string {
    const name = channel.startsWith(this.privatePrefix)
      ? channel.slice(this.privatePrefix.length)
      : channel;
    const at = this.boundary === '' ? -1 : name.indexOf(this.boundary);
    return at < 0 ? '' : name.slice(0, at);
  }

  /** The channel's options, or undefined when its namespace is not configured (error 102). */
  resolve(channel: string): ResolvedChannel | undefined {
    const ns = this.namespaceOf(channel);
    return ns === '' ? this.withoutNamespace : this.byNamespace.get(ns);
  }

  /** History settings of a namespace ('' = channels without one), when it keeps history. */
  historyOf(namespace: string): { size: number; ttlMs: number } | undefined {
    const r = namespace === '' ? this.withoutNamespace : this.byNamespace.get(namespace);
    return r?.historyEnabled ? { size: r.historySize, ttlMs: r.historyTtlMs } : undefined;
  }

  /** Namespaces that keep history ('' for channels without namespace). */
  historyNamespaces(): string[] {
    const all = ['', ...this.byNamespace.keys()];
    return all.filter((ns) => this.historyOf(ns) !== undefined);
  }

  /** Too long to be a channel name (error 107): channel.max_length counts UTF-8 bytes. */
  tooLong(channel: string): boolean {
    return Buffer.byteLength(channel) > this.maxLength;
  }

  /**
   * Whether clients may use this name (error 107 otherwise): the part after the namespace
   * boundary must match the namespace's channel_regex when it has one, else the whole name
   * must be ASCII. Centrifugo checks this for client subscribe, publish, presence and
   * history, not for the server API.
   */
  validName(channel: string, resolved: ResolvedChannel): boolean {
    if (resolved.nameRegex) return resolved.nameRegex.test(this.nameAfterNamespace(channel));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the rule.
    return /^[\x00-\x7f]*$/.test(channel);
  }

  /** What channel_regex is matched against: the name after the boundary, or all of it. */
  private nameAfterNamespace(channel: string): string {
    const name = channel.startsWith(this.privatePrefix)
      ? channel.slice(this.privatePrefix.length)
      : channel;
    const at = this.boundary === '' ? -1 : name.indexOf(this.boundary);
    return at < 0 ? channel : name.slice(at + this.boundary.length);
  }
}

function resolve(
  namespace: string,
  options: ChannelOptions,
  globalMetaTtlMs: number,
): ResolvedChannel {
  const historyTtlMs = durationMs(options.history_ttl);
  const ownMetaTtl = durationMs(options.history_meta_ttl);
  return {
    namespace,
    options,
    historySize: options.history_size,
    historyTtlMs,
    historyMetaTtlMs: ownMetaTtl > 0 ? ownMetaTtl : globalMetaTtlMs,
    historyEnabled: options.history_size > 0 && historyTtlMs > 0,
    nameRegex: options.channel_regex === '' ? undefined : new RegExp(options.channel_regex),
  };
}
