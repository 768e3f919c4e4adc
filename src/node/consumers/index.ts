export { ConsumerSet, type ConsumerSetOptions } from './consumer-set.ts';
