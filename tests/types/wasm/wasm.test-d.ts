// Type tests where the hand-written API (js/index.d.ts) meets the wasm layer's declarations that
// wasm-bindgen generated (pkg/tsunagi_wasm.d.ts): what a WasmClient method (or plain function)
// returns fits what the public function forwarding it declares, and what the public function
// accepts fits what the method takes. Compiled by `make test-types-wasm` (after `make pkg`); never run.
import type {
  HttpRequest,
  TokenSet,
  beginAuthorization,
  buildApiRequest,
  buildRevocationRequest,
  buildTokenRequest,
  createPkce,
  nextStep,
  parseTokenResponse,
} from '../../../js/index.js';
import type { WasmClient, WasmPairs, createPkce as wasmCreatePkce } from '../../../pkg/tsunagi_wasm.js';

/** Compiles only when `A` and `B` are the same type (each assignable to the other). */
const same = <A, B>(ok: [A] extends [B] ? ([B] extends [A] ? true : false) : false) => ok;
/** Compiles only when a `From` may stand for a `To`. */
const fits = <From, To>(ok: [From] extends [To] ? true : false) => ok;

// results: the method's return type is the public function's
same<ReturnType<WasmClient['beginAuthorization']>, ReturnType<typeof beginAuthorization>>(true);
same<ReturnType<WasmClient['nextStep']>, ReturnType<typeof nextStep>>(true);
same<ReturnType<WasmClient['tokenRequest']>, ReturnType<typeof buildTokenRequest>>(true);
same<ReturnType<WasmClient['apiRequest']>, ReturnType<typeof buildApiRequest>>(true);
same<ReturnType<WasmClient['revocationRequest']>, ReturnType<typeof buildRevocationRequest>>(true);
same<ReturnType<typeof wasmCreatePkce>, ReturnType<typeof createPkce>>(true);
same<ReturnType<WasmClient['revocationRequest']>, HttpRequest>(true);
// the set the core writes always carries `grant`: it fits TokenSet, which leaves it optional for sets stored before it
fits<ReturnType<WasmClient['parseTokenResponse']>, ReturnType<typeof parseTokenResponse>>(true);
fits<TokenSet, ReturnType<WasmClient['parseTokenResponse']>>(false);

// arguments: what the public functions accept goes in as it is (a stored TokenSet, the options' strings)
type Options<F extends (...a: never[]) => unknown> = NonNullable<Parameters<F>[1]>;
fits<TokenSet, Parameters<WasmClient['nextStep']>[0]>(true);
fits<TokenSet, Parameters<WasmClient['apiRequest']>[0]>(true);
fits<Options<typeof parseTokenResponse>['previous'], Parameters<WasmClient['parseTokenResponse']>[4]>(true);
fits<Options<typeof parseTokenResponse>['grantType'], Parameters<WasmClient['parseTokenResponse']>[5]>(true);
fits<Parameters<typeof nextStep>[2], { leewaySecs?: Parameters<WasmClient['nextStep']>[2] } | undefined>(true);
// headers and extra parameters cross as pairs: the wrapper (js/core.js `pairs`) normalises Headers, objects and iterables
fits<Parameters<WasmClient['parseTokenResponse']>[1], WasmPairs | undefined>(true);
fits<Record<string, string>, Parameters<WasmClient['parseTokenResponse']>[1]>(false);
