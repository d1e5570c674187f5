// tsunagi: the whole browser entry (low-level API + OAuthClient); the wasm is counted separately.
export * from '../../pkg/index.js';
