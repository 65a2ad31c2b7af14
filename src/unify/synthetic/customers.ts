// A seeded generator of synthetic customers spread over three differently shaped sources, with the truth (a person
// id per record) for measuring unification. The same seed and size always give the same files, so it also makes
// small deterministic demo data sets. Corruptions, each at a fixed rate: typos (substitute, delete, insert,
// transpose), nicknames, swapped first/last names, accents dropped, name case, e-mail case and spaces, an old e-mail
// address, phone layouts with and without country prefix, phone typos, missing values, swapped day/month in birth
// dates, duplicates inside one source; and hard negatives: household members sharing a last name and a landline.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../core/random.ts';
import type { UnificationConfigIn } from '../config.ts';
import { nicknames, nicknamesByName } from '../nicknames.ts';
import { names } from './names.ts';

export const syntheticEntities = ['CrmContacts', 'ShopCustomers', 'LoyaltyMembers'] as const;
export type SyntheticEntity = (typeof syntheticEntities)[number];

export interface GenerateOptions {
  /** Folder for the CSV files (created if missing). */
  dir: string;
  /** Source records to generate over all three sources; the last person may add a record or two more. */
  records: number;
  /** PRNG seed; the same seed and size give the same data. Default 1. */
  seed?: number;
}

export interface SyntheticData {
  /** CSV file of each source (with a header row). */
  files: Record<SyntheticEntity, string>;
  /** Primary-key column of each source. */
  primaryKeys: Record<SyntheticEntity, string>;
  /** CSV file with the truth: entity, key, person. */
  truthFile: string;
  /** Person id of each record, by source, in file row order. */
  truth: Record<SyntheticEntity, Int32Array>;
  persons: number;
  records: number;
}

interface Person {
  id: number;
  first: string;
  last: string;
  email: string;
  oldEmail: string;
  mobile: string;
  landline: string | null;
  birth: string;
}

const letters = 'abcdefghijklmnopqrstuvwxyz';
const asciiOf: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', é: 'e', è: 'e', á: 'a', ñ: 'n' };

/** A CSV field, always quoted so that leading and trailing spaces survive. */
const csv = (v: string | null): string => (v === null ? '' : `"${v.replaceAll('"', '""')}"`);

/** Buffered CSV writer: bounded memory at any size. */
function csvWriter(file: string, header: string[]) {
  const fd = openSync(file, 'w');
  let buf: string[] = [header.join(',')];
  const flush = () => {
    writeSync(fd, buf.join('\n') + '\n');
    buf = [];
  };
  return {
    row: (values: Array<string | null>) => {
      buf.push(values.map(csv).join(','));
      if (buf.length >= 5000) flush();
    },
    close: () => {
      if (buf.length) flush();
      closeSync(fd);
    },
  };
}

/** Generates the three sources and the truth into `opts.dir`. */
export function generateCustomers(opts: GenerateOptions): SyntheticData {
  const rnd = seededRandom(opts.seed ?? 1);
  const chance = (p: number) => rnd() < p;
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  /** Zipf-like pick: early entries are much more common than late ones. */
  const zipf = <T>(xs: readonly T[]): T => xs[Math.floor(xs.length * rnd() ** 1.3)] as T;
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

  const typo = (s: string): string => {
    if (s.length < 3) return s;
    const i = 1 + int(s.length - 1);
    const op = int(4);
    if (op === 0) return s.slice(0, i) + pick([...letters]) + s.slice(i + 1);
    if (op === 1) return s.slice(0, i) + s.slice(i + 1);
    if (op === 2) return s.slice(0, i) + pick([...letters]) + s.slice(i);
    return i < s.length - 1 ? s.slice(0, i) + s.charAt(i + 1) + s.charAt(i) + s.slice(i + 2) : s;
  };
  const styleName = (s: string): string => {
    const r = rnd();
    const out = r < 0.06 ? s.toUpperCase() : r < 0.1 ? s.toLowerCase() : s;
    return chance(0.5) ? Array.from(out, (c) => asciiOf[c] ?? asciiOf[c.toLowerCase()] ?? c).join('') : out;
  };
  const firstName = (p: Person): string => {
    const nicks = nicknamesByName[p.first.toLowerCase()] ?? [];
    const unambiguous = nicks.filter((n) => nicknames[n] === p.first.toLowerCase());
    const base = unambiguous.length && chance(0.15) ? cap(pick(unambiguous)) : p.first;
    return styleName(chance(0.06) ? typo(base) : base);
  };
  const emailOf = (p: Person): string | null => {
    if (chance(0.08)) return null;
    let e = chance(0.04) ? p.oldEmail : p.email;
    if (chance(0.15)) e = chance(0.5) ? e.toUpperCase() : cap(e);
    if (chance(0.1)) e = ` ${e} `;
    return e;
  };
  const phoneOf = (p: Person): string | null => {
    if (chance(0.1)) return null;
    let n = p.landline && chance(0.5) ? p.landline : p.mobile;
    if (chance(0.02)) n = typo(n.slice(0, -1)).replace(/[^0-9]/g, '0') + n.slice(-1);
    const [area, rest] = [n.slice(0, 3), n.slice(3)];
    return pick([
      `+49 ${area} ${rest}`,
      `0049-${area}-${rest}`,
      `0${area} ${rest}`,
      `0${area}/${rest}`,
      `(0${area}) ${rest.slice(0, 3)} ${rest.slice(3)}`,
      `+49 (0)${area} ${rest}`,
      `0${area}${rest}`,
    ]);
  };
  const birthOf = (p: Person, missing: number): string | null => {
    if (chance(missing)) return null;
    if (!chance(0.02)) return p.birth;
    const [y, m, d] = p.birth.split('-');
    return Number(d) <= 12 ? `${y}-${d}-${m}` : p.birth;
  };
  const names2 = (p: Person): [string, string] => {
    const f = firstName(p);
    const l = styleName(chance(0.06) ? typo(p.last) : p.last);
    return chance(0.03) ? [l, f] : [f, l];
  };

  mkdirSync(opts.dir, { recursive: true });
  const files = Object.fromEntries(syntheticEntities.map((e) => [e, path.join(opts.dir, `${e}.csv`)])) as Record<
    SyntheticEntity,
    string
  >;
  const crm = csvWriter(files.CrmContacts, [
    'contact_id',
    'first_name',
    'last_name',
    'email',
    'phone',
    'birth_date',
    'updated_at',
  ]);
  const shop = csvWriter(files.ShopCustomers, ['customer_no', 'given', 'family', 'email_address', 'mobile']);
  const loyalty = csvWriter(files.LoyaltyMembers, ['member_id', 'surname', 'forename', 'e_mail', 'tel', 'dob']);
  const truthFile = path.join(opts.dir, 'truth.csv');
  const truthOut = csvWriter(truthFile, ['entity', 'key', 'person']);
  const truth: Record<SyntheticEntity, number[]> = { CrmContacts: [], ShopCustomers: [], LoyaltyMembers: [] };

  const emit: Record<SyntheticEntity, (p: Person) => void> = {
    CrmContacts: (p) => {
      const key = `C${pad(truth.CrmContacts.length + 1, 7)}`;
      const [f, l] = names2(p);
      const updated = `20${pad(18 + int(7), 2)}-${pad(1 + int(12), 2)}-${pad(1 + int(28), 2)} ${pad(int(24), 2)}:00:00`;
      crm.row([key, f, l, emailOf(p), phoneOf(p), birthOf(p, 0.25), updated]);
      truth.CrmContacts.push(p.id);
      truthOut.row(['CrmContacts', key, String(p.id)]);
    },
    ShopCustomers: (p) => {
      const key = String(100000 + truth.ShopCustomers.length);
      const [f, l] = names2(p);
      shop.row([key, f, l, emailOf(p), phoneOf(p)]);
      truth.ShopCustomers.push(p.id);
      truthOut.row(['ShopCustomers', key, String(p.id)]);
    },
    LoyaltyMembers: (p) => {
      const key = `L-${truth.LoyaltyMembers.length + 1}`;
      const [f, l] = names2(p);
      loyalty.row([key, l, f, emailOf(p), phoneOf(p), birthOf(p, 0.3)]);
      truth.LoyaltyMembers.push(p.id);
      truthOut.row(['LoyaltyMembers', key, String(p.id)]);
    },
  };

  const domains = ['gmail.com', 'web.de', 'gmx.de', 'outlook.com', 'yahoo.com', 't-online.de', 'icloud.com'];
  let records = 0;
  let persons = 0;
  /** A person who started a household: the next person shares their last name and landline. */
  let household: Person | null = null;
  while (records < opts.records) {
    const id = persons++;
    let first = zipf(names.first);
    for (let i = 0; household && first === household.first && i < 10; i++) first = zipf(names.first);
    const last = household ? household.last : zipf(names.last);
    const ascii = (s: string) => Array.from(s.toLowerCase(), (c) => asciiOf[c] ?? c).join('');
    const tag = id.toString(36);
    const landline: string | null = household ? household.landline : chance(0.08) ? `30${pad(int(1e7), 7)}` : null;
    const p: Person = {
      id,
      first,
      last,
      email: `${ascii(first)}.${ascii(last)}.${tag}@${pick(domains)}`,
      oldEmail: `${ascii(first).charAt(0)}${ascii(last)}${tag}@${pick(domains)}`,
      // Unique per person: 2654435761 is coprime with 10, so id → id·k mod 10⁸ is one-to-one.
      mobile: `1${pick(['51', '60', '70', '76'])}${pad(Number((BigInt(id) * 2654435761n) % 100000000n), 8)}`,
      landline,
      birth: `${1940 + int(66)}-${pad(1 + int(12), 2)}-${pad(1 + int(28), 2)}`,
    };
    household = household === null && landline !== null ? p : null;
    const in_ = syntheticEntities.filter((_, i) => chance([0.6, 0.55, 0.45][i] as number));
    if (in_.length === 0) in_.push(pick(syntheticEntities));
    for (const e of in_) {
      emit[e](p);
      records++;
      if (chance(0.08)) {
        emit[e](p);
        records++;
      }
    }
  }
  for (const w of [crm, shop, loyalty, truthOut]) w.close();
  return {
    files,
    primaryKeys: { CrmContacts: 'contact_id', ShopCustomers: 'customer_no', LoyaltyMembers: 'member_id' },
    truthFile,
    truth: {
      CrmContacts: Int32Array.from(truth.CrmContacts),
      ShopCustomers: Int32Array.from(truth.ShopCustomers),
      LoyaltyMembers: Int32Array.from(truth.LoyaltyMembers),
    },
    persons,
    records,
  };
}

/** The unification configuration that suits these sources. */
export const syntheticUnificationConfig: UnificationConfigIn = {
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: {
        first_name: 'FirstName',
        last_name: 'LastName',
        email: 'Email',
        phone: 'Phone',
        birth_date: 'BirthDate',
        updated_at: 'UpdatedAt',
      },
    },
    {
      entity: 'ShopCustomers',
      primaryKey: 'customer_no',
      attributes: { given: 'FirstName', family: 'LastName', email_address: 'Email', mobile: 'Phone' },
    },
    {
      entity: 'LoyaltyMembers',
      primaryKey: 'member_id',
      attributes: { forename: 'FirstName', surname: 'LastName', e_mail: 'Email', tel: 'Phone', dob: 'BirthDate' },
    },
  ],
  match: {
    order: ['CrmContacts', 'ShopCustomers', 'LoyaltyMembers'],
    deduplicate: true,
    phoneCountry: '49',
    rules: [
      { name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] },
      {
        name: 'Same phone, similar name',
        conditions: [
          { attribute: 'Phone', normalize: ['phone'], precision: 'exact' },
          { attribute: 'LastName', normalize: ['name'], precision: 'medium' },
          { attribute: 'FirstName', normalize: ['name', 'alias'], precision: 'medium' },
        ],
      },
      {
        name: 'Same phone and birth date',
        conditions: [
          { attribute: 'Phone', normalize: ['phone'], precision: 'exact' },
          { attribute: 'BirthDate', precision: 'exact' },
        ],
      },
      {
        name: 'Same birth date, similar name',
        conditions: [
          { attribute: 'BirthDate', precision: 'exact' },
          { attribute: 'LastName', normalize: ['name'], precision: 'high' },
          { attribute: 'FirstName', normalize: ['name', 'alias'], precision: 'high' },
        ],
      },
    ],
  },
  merge: {
    default: { policy: 'importance' },
    attributes: { Email: { policy: 'mostRecent', by: 'UpdatedAt' }, Phone: { policy: 'mostFilled' } },
  },
};
