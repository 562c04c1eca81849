/**
 * Optimal linear assignment with a cost limit, the problem `lap.lapjv(cost, extend_cost=True, cost_limit=L)`
 * solves for ByteTrack: choose a partial matching M that minimizes Σ_{(i,j)∈M} c_ij + (L/2)·(#unmatched rows +
 * #unmatched columns), i.e. maximizes Σ_{(i,j)∈M} (L − c_ij) with every matched c_ij ≤ L. Entries that are not
 * finite are never matched.
 *
 * Solver: the acceptable entries (c_ij ≤ L) split the problem into independent connected components; each is
 * solved by shortest augmenting paths with dual potentials (Jonker & Volgenant 1987; the O(n²m) form of Kuhn–
 * Munkres for n ≤ m rows), where each row gets one private "stay unmatched" column of cost 0 and real columns
 * cost c_ij − L, so the rectangular problem always has a perfect row matching. Ties are broken by index order
 * (deterministic); lap.lapjv may break exact ties differently.
 */

export interface AssignResult {
  /** Matched [row, column] pairs, sorted by row. */
  matches: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/**
 * Solve the thresholded assignment for a row-major `rows`×`cols` cost matrix.
 * Example: `assign(Float64Array.of(0.1, 0.9, 0.8, 0.2), 2, 2, 0.5)` → matches [[0,0],[1,1]].
 */
export function assign(
  cost: ArrayLike<number>,
  rows: number,
  cols: number,
  maxCost = Infinity,
): AssignResult {
  if (rows === 0 || cols === 0) {
    return { matches: [], unmatchedRows: range(rows), unmatchedCols: range(cols) };
  }
  // With an infinite limit every finite entry is acceptable: use a limit above the largest finite cost so the
  // matching is maximum-cardinality first, then minimum-cost (classical rectangular assignment).
  let limit = maxCost;
  if (!Number.isFinite(limit)) {
    let hi = 0;
    let lo = 0;
    for (let k = 0; k < rows * cols; k++) {
      const c = cost[k]!;
      if (Number.isFinite(c)) {
        if (c > hi) hi = c;
        if (c < lo) lo = c;
      }
    }
    limit = (hi - lo + 1) * (Math.min(rows, cols) + 1) + hi;
  }
  // Split into connected components of acceptable entries (rows 0..rows-1, columns rows..rows+cols-1): the
  // optimum of the whole is the union of the components' optima, and tracking cost graphs are very sparse.
  const parent = new Int32Array(rows + cols);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  let edges = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = cost[i * cols + j]!;
      if (c <= limit && Number.isFinite(c)) {
        edges++;
        const a = find(i);
        const b = find(rows + j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const matches: [number, number][] = [];
  if (edges > 0) {
    const compRows = new Map<number, number[]>();
    const compCols = new Map<number, number[]>();
    for (let i = 0; i < rows; i++) {
      const r = find(i);
      let l = compRows.get(r);
      if (!l) {
        l = [];
        compRows.set(r, l);
      }
      l.push(i);
    }
    for (let j = 0; j < cols; j++) {
      const r = find(rows + j);
      const l = compCols.get(r);
      if (l) l.push(j);
      else compCols.set(r, [j]);
    }
    for (const [root, rs] of compRows) {
      const cs = compCols.get(root);
      if (!cs) continue;
      if (rs.length === 1 && cs.length === 1) {
        matches.push([rs[0]!, cs[0]!]);
        continue;
      }
      solveComponent(cost, cols, limit, rs, cs, matches);
    }
  }
  matches.sort((x, y) => x[0] - y[0]);
  const matchedRows = new Uint8Array(rows);
  const matchedCols = new Uint8Array(cols);
  for (const [r, c] of matches) {
    matchedRows[r] = 1;
    matchedCols[c] = 1;
  }
  const unmatchedRows: number[] = [];
  const unmatchedCols: number[] = [];
  for (let i = 0; i < rows; i++) if (!matchedRows[i]) unmatchedRows.push(i);
  for (let j = 0; j < cols; j++) if (!matchedCols[j]) unmatchedCols.push(j);
  return { matches, unmatchedRows, unmatchedCols };
}

/** Solve one component (row indices rs, column indices cs) and append its matches. */
function solveComponent(
  cost: ArrayLike<number>,
  cols: number,
  limit: number,
  rs: number[],
  cs: number[],
  out: [number, number][],
): void {
  const transpose = rs.length > cs.length;
  const n = transpose ? cs.length : rs.length;
  const m = transpose ? rs.length : cs.length;
  const M = m + n;
  // Real columns cost c − L (≤ 0 when acceptable); each row has a private "unmatched" column of cost 0.
  const a = new Float64Array(n * M).fill(Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = transpose ? cost[rs[j]! * cols + cs[i]!]! : cost[rs[i]! * cols + cs[j]!]!;
      if (c <= limit && Number.isFinite(c)) a[i * M + j] = c - limit;
    }
    a[i * M + m + i] = 0;
  }
  const colOfRow = solveRect(a, n, M);
  for (let i = 0; i < n; i++) {
    const j = colOfRow[i]!;
    if (j < m) out.push(transpose ? [rs[j]!, cs[i]!] : [rs[i]!, cs[j]!]);
  }
}

/**
 * Rectangular min-cost assignment of every one of n rows to distinct columns of an n×M matrix (n ≤ M), forbidden
 * entries = Infinity (a perfect row matching must exist). Shortest augmenting path with potentials u, v.
 * Returns the column of each row.
 */
function solveRect(a: Float64Array, n: number, M: number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(M + 1);
  const p = new Int32Array(M + 1); // p[j] = row (1-based) assigned to column j; p[0] = row being inserted
  const way = new Int32Array(M + 1);
  const minv = new Float64Array(M + 1);
  const used = new Uint8Array(M + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = -1;
      const row = (i0 - 1) * M;
      const ui0 = u[i0]!;
      for (let j = 1; j <= M; j++) {
        if (used[j]) continue;
        const c = a[row + j - 1]!;
        if (c !== Infinity) {
          const cur = c - ui0 - v[j]!;
          if (cur < minv[j]!) {
            minv[j] = cur;
            way[j] = j0;
          }
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      if (j1 < 0) throw new Error('assignment: no feasible augmenting path (internal fault)');
      for (let j = 0; j <= M; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else if (minv[j] !== Infinity) {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Int32Array(n);
  for (let j = 1; j <= M; j++) if (p[j]! > 0) colOfRow[p[j]! - 1] = j - 1;
  return colOfRow;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
