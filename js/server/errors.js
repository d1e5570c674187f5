// The package's one TsunagiError (and its option helpers), shared with every entry so that
// `instanceof TsunagiError` holds whichever entry threw it.
export * from '../errors.js';
