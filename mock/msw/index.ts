// casebender-conformance/msw: the reference mock as MSW request handlers.
export { createHandlers, mockFor, DEFAULT_MSW_ORIGIN, MockOptionsError, type CaseBenderMock, type CreateHandlersOptions } from './handlers.js';
export { createClock, type Clock } from '../../contract/clock.js';
