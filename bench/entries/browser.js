// The JWT decode benchmark's browser side: tsunagi, jose decodeJwt and jwt-decode in one page.
export { decodeJwtClaims } from '../../pkg/index.js';
export { decodeJwt } from 'jose';
export { jwtDecode } from 'jwt-decode';
