// Every NATS name the engine uses, from one prefix. Channel names may hold characters a
// subject token cannot ('.', '*', '>', spaces), so channels and namespaces travel as
// base64url tokens (which use only [A-Za-z0-9_-]).

export function token(text: string): string {
  return text === '' ? '_' : Buffer.from(text, 'utf8').toString('base64url');
}

export class NatsNames {
  readonly prefix: string;

  constructor(prefix: string) {
    if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
      throw new Error(`engine.nats.prefix "${prefix}" may hold only letters, digits, _ and -`);
    }
    this.prefix = prefix;
  }

  /** Stream keeping the history of one namespace. */
  historyStream(namespace: string): string {
    return `${this.prefix}_history_${token(namespace)}`;
  }

  /** Subjects of a namespace's stream: one per channel. */
  historySubjects(namespace: string): string {
    return `${this.prefix}.h.${token(namespace)}.*`;
  }

  historySubject(namespace: string, channel: string): string {
    return `${this.prefix}.h.${token(namespace)}.${token(channel)}`;
  }

  /** Where a stored publication is republished (the stream's `republish.dest`). */
  republishDest(): string {
    return `${this.prefix}.c.{{wildcard(1)}}.p`;
  }

  /** Every event of one channel: `.p` publications, `.j` joins and leaves. */
  channelEvents(channel: string): string {
    return `${this.prefix}.c.${token(channel)}.*`;
  }

  publications(channel: string): string {
    return `${this.prefix}.c.${token(channel)}.p`;
  }

  joinLeave(channel: string): string {
    return `${this.prefix}.c.${token(channel)}.j`;
  }

  control(): string {
    return `${this.prefix}.control`;
  }

  nodeControl(nodeId: string): string {
    return `${this.prefix}.control.${nodeId}`;
  }

  nodeInfo(): string {
    return `${this.prefix}.node.info`;
  }

  presenceBucket(): string {
    return `${this.prefix}_presence`;
  }

  presenceKey(channel: string, clientId: string): string {
    return `${token(channel)}.${clientId}`;
  }

  metaBucket(): string {
    return `${this.prefix}_meta`;
  }
}
