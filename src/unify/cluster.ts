// Transitive closure of the matched pairs (union-find over record ids 0..n−1), and for each record the rule that
// joined it to its profile. The founding record of a profile is its lowest record id (records are numbered by
// entity importance, then key); a record's rule is the first rule, in configuration order, at which the record
// became connected to that founder through pairs of this rule or earlier ones.

export interface Edges {
  a: Int32Array;
  b: Int32Array;
  /** Rule index of each edge; edges are sorted by it. */
  rule: Int16Array;
}

export interface Clusters {
  /** Founding record id per record (itself for a founder or a record matched to nothing). */
  founder: Int32Array;
  /** Rule index that joined the record to its profile; −1 for founders. */
  matchedBy: Int16Array;
}

function unionFind(n: number): { find: (x: number) => number; union: (x: number, y: number) => void } {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root] as number;
    let cur = x;
    while (parent[cur] !== root) {
      const next = parent[cur] as number;
      parent[cur] = root;
      cur = next;
    }
    return root;
  };
  // Keeping the smaller id as root makes every root its component's founder.
  const union = (x: number, y: number) => {
    const rx = find(x);
    const ry = find(y);
    if (rx < ry) parent[ry] = rx;
    else if (ry < rx) parent[rx] = ry;
  };
  return { find, union };
}

/** Clusters `n` records by `edges`. */
export function clusterRecords(n: number, edges: Edges): Clusters {
  const all = unionFind(n);
  for (let e = 0; e < edges.a.length; e++) all.union(edges.a[e] as number, edges.b[e] as number);
  const founder = new Int32Array(n);
  for (let i = 0; i < n; i++) founder[i] = all.find(i);

  const matchedBy = new Int16Array(n).fill(-1);
  const staged = unionFind(n);
  const touched: number[] = [];
  let e = 0;
  while (e < edges.a.length) {
    const rule = edges.rule[e] as number;
    for (; e < edges.a.length && edges.rule[e] === rule; e++) {
      staged.union(edges.a[e] as number, edges.b[e] as number);
      touched.push(edges.a[e] as number, edges.b[e] as number);
    }
    let keep = 0;
    for (const i of touched) {
      if (matchedBy[i] !== -1 || founder[i] === i) continue;
      if (staged.find(i) === staged.find(founder[i] as number)) matchedBy[i] = rule;
      else touched[keep++] = i;
    }
    touched.length = keep;
  }
  return { founder, matchedBy };
}
