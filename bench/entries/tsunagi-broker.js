// tsunagi/broker: BrokerClient for a page behind the Worker (no wasm).
export { BrokerClient, TsunagiError } from '../../pkg/broker.js';
