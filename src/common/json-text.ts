/**
 * What Express's `res.json()` sets; a route that may answer with JSON it already holds as text
 * declares it, so both kinds of answer carry the same header.
 */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
