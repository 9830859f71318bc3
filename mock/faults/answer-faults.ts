// Faults in error answers (ERR, and CRED-7's "never a 5xx"): the status, headers or body of a
// refusal written wrong.
import { failureAnswer } from '../../contract/answer.js';
import { extractCredential } from '../../contract/credentials.js';
import { headerValues, withHeaders, withJsonBody, type Fault } from './fault.js';

export const ANSWER_FAULTS: readonly Fault[] = [
  {
    name: 'server-error-on-malformed-authorization',
    breaks: ['CRED-7', 'SCHEMA-1'],
    description: 'an Authorization header that does not parse (another scheme, no token, inner spaces) crashes the handler: 500',
    wrap: (next) => async (facts) => {
      const credential = extractCredential(facts.rawHeaders);
      if (credential.kind === 'refused' && credential.code === 'malformed_credentials' && credential.method === 'bearer') {
        return failureAnswer({ status: 500, code: 'internal_error', detail: 'Cannot read properties of undefined.' });
      }
      return next(facts);
    },
  },
  {
    name: 'problem-as-plain-json',
    breaks: ['ERR-1', 'SCHEMA-1'],
    description: 'error bodies are sent as application/json, not application/problem+json',
    after: (answer) => (answer.status >= 400 && answer.headers['Content-Type'] === 'application/problem+json' ? withHeaders(answer, (h) => (h['Content-Type'] = 'application/json')) : answer),
  },
  {
    name: 'no-www-authenticate',
    breaks: ['ERR-2', 'SCHEMA-1'],
    description: 'a 401 carries no WWW-Authenticate challenge',
    after: (answer) => (answer.status === 401 && answer.headers['WWW-Authenticate'] !== undefined ? withHeaders(answer, (h) => delete h['WWW-Authenticate']) : answer),
  },
  {
    name: 'key-echoed-in-error',
    breaks: ['ERR-3'],
    description: 'a refused key is quoted in the 401 body ("Invalid API key: cbr_live_…")',
    after: (answer, facts) => {
      if (answer.status !== 401) return answer;
      const presented = [...headerValues(facts, 'authorization').map((v) => v.trim().replace(/^\S+\s+/, '')), ...headerValues(facts, 'x-api-key'), ...headerValues(facts, 'x-api-secret')].map((v) => v.trim()).filter((v) => v !== '');
      if (presented.length === 0) return answer;
      return withJsonBody(answer, (body) => {
        body['detail'] = `${String(body['detail'])} Presented: ${presented.join(', ')}`;
      });
    },
  },
];
