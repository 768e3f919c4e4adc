export { NatsEngine, type NatsEngineOptions } from './nats-engine.ts';
