// The app every bundler builds (tests/bundlers/bundlers.test.mjs): the package's answers written
// into the page as JSON, then `#status` set to "ok" (or to the error).
import { result } from './result.js';

const status = document.getElementById('status');
try {
  document.getElementById('result').textContent = JSON.stringify(result());
  status.textContent = 'ok';
} catch (e) {
  status.textContent = `error: ${e}`;
}
