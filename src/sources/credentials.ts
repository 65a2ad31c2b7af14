// Data source credentials: the database password (options.password, or inside the connection URL) and the values of
// HTTP headers are stored encrypted with the server key (AES-256-GCM, core/secrets.ts), shown to clients as "***",
// and decrypted only just before connecting. A client sends "***" back to keep a stored secret unchanged.
import { AppError } from '../core/errors.ts';
import { decryptText, encryptText } from '../core/secrets.ts';
import type { DataSource } from './model.ts';
import { isDatabaseKind, maskedSecret } from './model.ts';

type Options = DataSource['options'];
type Source = Pick<DataSource, 'kind' | 'location' | 'options'>;

/** Moves a password inside a database URL into options.password, so that the stored location never carries it. */
function liftUrlPassword(src: Source): Source {
  if (!isDatabaseKind(src.kind)) return src;
  let url: URL;
  try {
    url = new URL(src.location);
  } catch {
    return src;
  }
  if (!url.password) return src;
  const password = decodeURIComponent(url.password);
  url.password = '';
  const options = src.options.password === undefined ? { ...src.options, password } : src.options;
  return { ...src, location: url.toString(), options };
}

/** Encrypts the secrets of a data source as clients sent it; "***" keeps the value stored in `previous`. */
export function sealSecrets(key: Buffer, src: Source, previous: Options | null): Source {
  const lifted = liftUrlPassword(src);
  const options: Options = { ...lifted.options };
  if (options.password !== undefined) {
    if (options.password === maskedSecret) {
      if (previous?.password === undefined)
        throw new AppError('ValidationFailed', 'options.password: "***" keeps the stored password, but none is stored');
      options.password = previous.password;
    } else {
      options.password = encryptText(key, options.password);
    }
  }
  if (options.headers) {
    const stored = new Map(Object.entries(previous?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    options.headers = Object.fromEntries(
      Object.entries(options.headers).map(([name, value]) => {
        if (value !== maskedSecret) return [name, encryptText(key, value)];
        const kept = stored.get(name.toLowerCase());
        if (kept === undefined)
          throw new AppError(
            'ValidationFailed',
            `options.headers.${name}: "***" keeps a stored value, but none is stored`,
          );
        return [name, kept];
      }),
    );
  }
  return { ...lifted, options };
}

/** The data source with its secrets decrypted, for connecting. */
export function openSecrets<T extends Source>(key: Buffer, ds: T): T {
  const options: Options = { ...ds.options };
  if (options.password !== undefined) options.password = decryptText(key, options.password);
  if (options.headers)
    options.headers = Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k, decryptText(key, v)]));
  return { ...ds, options };
}

/** The data source as clients see it: every secret replaced by "***". */
export function maskSecrets<T extends Pick<DataSource, 'options'>>(ds: T): T {
  const options: Options = { ...ds.options };
  if (options.password !== undefined) options.password = maskedSecret;
  if (options.headers) options.headers = Object.fromEntries(Object.keys(options.headers).map((k) => [k, maskedSecret]));
  return { ...ds, options };
}
