// The plain-text answers Centrifugo's Go handlers give (net/http's http.Error and ServeMux),
// so that a client or a probe reading status and body sees the same thing from either server.

/** The headers of every http.Error answer. */
export const GO_TEXT_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'x-content-type-options': 'nosniff',
} as const;

/** ServeMux's answer to a path no handler is registered for. */
export const GO_NOT_FOUND = '404 page not found\n';

/** http.Error's text for a plain 400 (http.StatusText, then a newline). */
export const GO_BAD_REQUEST = 'Bad Request\n';
