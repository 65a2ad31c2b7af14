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
