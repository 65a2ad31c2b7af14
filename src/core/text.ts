// Names and one-line settings from clients. Control characters (NUL, CR, LF, ESC …) have no place in a name: they
// end SQL string literals, split e-mail headers and log lines, and PostgreSQL refuses NUL in text. Longer texts
// (descriptions, message bodies) may hold line breaks; NUL is refused in every request at the HTTP edge.
import { z } from 'zod';

// eslint-disable-next-line no-control-regex
export const controlCharacters = /[\u0000-\u001f\u007f]/;

/** A display name: trimmed, 1 to `max` characters, no control characters. */
export const displayName = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .refine((s) => !controlCharacters.test(s), 'must not contain control characters');

/** One line of a setting (a host, a user, an address): no control characters, CR and LF included. */
export const oneLine = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !controlCharacters.test(s), 'must be one line without control characters');
