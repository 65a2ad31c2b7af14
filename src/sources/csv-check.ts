// A streaming RFC 4180 checker. DuckDB loads CSV fast but, when a file is malformed, says only that it could not
// sniff a dialect; this scan finds the first structural error and names its line, in bounded memory.
import { createReadStream } from 'node:fs';

export interface CsvProblem {
  line: number;
  message: string;
}

/** Returns the first structural problem of the file, or null when every record is well formed. */
export async function findCsvProblem(
  file: string,
  opts: { delimiter: string; quote?: string },
): Promise<CsvProblem | null> {
  const delim = opts.delimiter.charCodeAt(0);
  const quote = (opts.quote ?? '"').charCodeAt(0);
  const NL = 10;
  const CR = 13;
  let line = 1;
  let recordLine = 1;
  let fields = 1;
  let expected = -1;
  let inQuotes = false;
  let afterQuote = false;
  let fieldStart = true;
  let quoteOpenedLine = 0;
  let sawAnything = false;
  const endRecord = (): CsvProblem | null => {
    if (expected === -1) expected = fields;
    else if (fields !== expected) return { line: recordLine, message: `expected ${expected} fields, found ${fields}` };
    fields = 1;
    fieldStart = true;
    afterQuote = false;
    sawAnything = false;
    return null;
  };
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let prevCR = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (c === NL || c === CR) {
        const isCRLFTail = c === NL && prevCR;
        prevCR = c === CR;
        if (!isCRLFTail) line++;
        if (inQuotes) continue;
        if (isCRLFTail) continue;
        if (sawAnything || fields > 1) {
          const p = endRecord();
          if (p) {
            stream.destroy();
            return p;
          }
        }
        recordLine = line;
        continue;
      }
      prevCR = false;
      if (inQuotes) {
        if (c === quote) {
          inQuotes = false;
          afterQuote = true;
        }
        continue;
      }
      sawAnything = true;
      if (c === quote) {
        if (afterQuote) {
          inQuotes = true;
          afterQuote = false;
          continue;
        }
        if (!fieldStart) {
          stream.destroy();
          return { line, message: 'quote inside an unquoted field (quote the whole field and double inner quotes)' };
        }
        inQuotes = true;
        quoteOpenedLine = line;
        fieldStart = false;
        continue;
      }
      if (c === delim) {
        fields++;
        fieldStart = true;
        afterQuote = false;
        continue;
      }
      if (afterQuote) {
        stream.destroy();
        return { line, message: 'unexpected character after a closing quote' };
      }
      fieldStart = false;
    }
  }
  if (inQuotes) return { line: quoteOpenedLine, message: 'unterminated quoted field' };
  if (sawAnything || fields > 1) return endRecord();
  return null;
}

export interface CsvValueProblem {
  line: number;
  /** 1-based position of the field in its record. */
  column: number;
  message: string;
}

/** Returns the first field, among the 0-based `columns`, for which `problem` answers a message; the header record
 * (when `header`) is not checked. Quoted fields are unquoted first. Streams the file in bounded memory; fields longer
 * than `maxField` characters are passed on cut to that length. */
export async function findCsvValueProblem(
  file: string,
  opts: {
    delimiter: string;
    header: boolean;
    columns: number[];
    problem: (text: string) => string | null;
    maxField?: number;
  },
): Promise<CsvValueProblem | null> {
  const delim = opts.delimiter.charCodeAt(0);
  const QUOTE = 34;
  const maxField = opts.maxField ?? 1000;
  const wanted = new Set(opts.columns);
  let line = 1;
  let record = opts.header ? 0 : 1;
  let field = 0;
  let fieldLine = 1;
  let text: number[] = [];
  let inQuotes = false;
  let afterQuote = false;
  let prevCR = false;
  const endField = (): CsvValueProblem | null => {
    if (record > 0 && wanted.has(field)) {
      const message = opts.problem(Buffer.from(text).toString('utf8').trim());
      if (message) return { line: fieldLine, column: field + 1, message };
    }
    text = [];
    afterQuote = false;
    field++;
    fieldLine = line;
    return null;
  };
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (inQuotes) {
        if (c === QUOTE) {
          inQuotes = false;
          afterQuote = true;
        } else {
          if (c === 10 && !prevCR) line++;
          if (c === 13) line++;
          if (text.length < maxField) text.push(c);
        }
        prevCR = c === 13;
        continue;
      }
      if (c === QUOTE) {
        if (afterQuote && text.length < maxField) text.push(c);
        inQuotes = true;
        afterQuote = false;
        prevCR = false;
        continue;
      }
      if (c === delim || c === 10 || c === 13) {
        const crlfTail = c === 10 && prevCR;
        prevCR = c === 13;
        if (crlfTail) continue;
        const blank = c !== delim && field === 0 && text.length === 0 && !afterQuote;
        if (!blank) {
          const p = endField();
          if (p) {
            stream.destroy();
            return p;
          }
        }
        if (c !== delim) {
          line++;
          if (!blank) record++;
          field = 0;
          fieldLine = line;
        }
        continue;
      }
      prevCR = false;
      afterQuote = false;
      if (text.length < maxField) text.push(c);
    }
  }
  if (field > 0 || text.length > 0 || afterQuote) return endField();
  return null;
}
