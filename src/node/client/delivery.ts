// Putting publications into a session's queue: once each, in offset order per channel.
import type { Publication, StreamPosition } from '../engine/index.ts';
import type { SubState } from './commands/subscribe.ts';
import type { EncodedPush } from './push-encoding.ts';
import type { ClientSession } from './session.ts';

/** Sends a publication unless the client already has it (recovered, or seen before). */
export function deliver(
  session: ClientSession,
  sub: SubState,
  pub: Publication,
  position: StreamPosition,
  push: EncodedPush,
): void {
  if (pub.offset > 0 && sub.positioned) {
    // Subscribed before the stream had an epoch: the first publication brings it.
    if (sub.epoch === '') sub.epoch = position.epoch;
    const sameEpoch = position.epoch === sub.epoch;
    if (sameEpoch && pub.offset <= sub.offset) return;
    if (!sameEpoch || pub.offset > sub.offset + 1) {
      // A gap or a new epoch: the client's position is no longer trustworthy.
      session.insufficientState(sub);
      return;
    }
    sub.offset = pub.offset;
  }
  session.enqueuePush(push);
}

/** Ends a subscription's set-up phase: what arrived meanwhile goes out now. */
export function flushBuffered(session: ClientSession, sub: SubState): void {
  const buffered = sub.buffer;
  if (!buffered) return;
  sub.buffer = undefined;
  for (const item of buffered) {
    if (item.pub && item.position) deliver(session, sub, item.pub, item.position, item.push);
    else if (sub.pushJoinLeave) session.enqueuePush(item.push);
  }
}
