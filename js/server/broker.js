// BrokerClient, the same module for every entry (no wasm).
export * from '../broker.js';
