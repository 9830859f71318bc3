// The request-size limits of the policy (fixtures/policy.json `limits`), as failures both adapters
// answer before the pipeline runs (ERR-5): headers past maxHeaderBytes 431, bodies past
// maxBodyBytes 413.
import type { Failure } from './types.js';

export const headersTooLarge = (maxHeaderBytes: number): Failure => ({ status: 431, code: 'headers_too_large', detail: `The request headers exceed ${maxHeaderBytes} bytes.` });

export const bodyTooLarge = (maxBodyBytes: number): Failure => ({ status: 413, code: 'body_too_large', detail: `The request body exceeds ${maxBodyBytes} bytes.` });

/** The size of a header block as sent on the wire: "Name: value\r\n" per line. */
export function headerBlockBytes(rawHeaders: readonly string[]): number {
  let bytes = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) bytes += rawHeaders[i]!.length + rawHeaders[i + 1]!.length + 4;
  return bytes;
}
