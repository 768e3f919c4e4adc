// Case builders of the `live` group (live.ts and live-grpc.ts): server API calls acting on
// open connections.
import type { ClientCase } from '../case.ts';
import { connectToken } from '../tokens.ts';
import { connected, replyRef } from './client-steps.ts';

export const c = (id: string, steps: ClientCase['steps']): ClientCase => ({
  id: `live/${id}`,
  group: 'live',
  steps,
});
/** The last call makes the server close or unsubscribe on its own time: wait for quiet. */
export const later = (id: string, steps: ClientCase['steps']): ClientCase => ({
  ...c(id, steps),
  settle: 1_000,
});
export const as = (name: string, userId: string, claims: Record<string, unknown> = {}) =>
  connected(name, connectToken(userId, claims));
export const clientOf = (name: string) => replyRef(name, 1, 'connect.client');
