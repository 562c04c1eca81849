/**
 * Optimal linear assignment for rectangular float matrices: the shortest-augmenting-path form of
 * Jonker–Volgenant given by D. F. Crouse, "On implementing 2D rectangular assignment algorithms",
 * IEEE TAES 52(4), 2016 — the algorithm behind `scipy.optimize.linear_sum_assignment`, which the reference
 * evaluators (TrackEval, py-motmetrics) call. Tie-breaking follows scipy's (columns scanned from the last,
 * free columns preferred on equal reduced cost) so that equal-cost optima resolve the same way.
 *
 * Kept inside eval/ on purpose: the evaluator must not depend on the tracker it scores (track/ has its own).
 */

/** A cost matrix: `rows × cols` values in row-major order. */
export interface CostMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

export interface Assignment {
  /** Matched row indices, increasing. */
  readonly rows: number[];
  /** `cols[k]` is the column assigned to `rows[k]`. */
  readonly cols: number[];
}

/** Build a {@link CostMatrix} from nested arrays (all rows the same length). */
export function matrix(values: readonly (readonly number[])[]): CostMatrix {
  const rows = values.length;
  const c = rows > 0 ? values[0]!.length : 0;
  const data = new Float64Array(rows * c);
  for (let i = 0; i < rows; i++) {
    const row = values[i]!;
    if (row.length !== c) throw new RangeError(`row ${i} has ${row.length} values, expected ${c}`);
    for (let j = 0; j < c; j++) data[i * c + j] = row[j]!;
  }
  return { rows, cols: c, data };
}

/**
 * Minimum-cost (or, with `maximize`, maximum-score) assignment of min(rows, cols) pairs.
 * Values must be finite. Example: `linearSumAssignment(matrix([[4, 1], [2, 0]]))` → rows [0, 1], cols [1, 0].
 */
export function linearSumAssignment(cost: CostMatrix, maximize = false): Assignment {
  const { rows, cols, data } = cost;
  if (data.length !== rows * cols)
    throw new RangeError(`cost has ${data.length} values, expected ${rows * cols}`);
  if (rows === 0 || cols === 0) return { rows: [], cols: [] };
  const transpose = cols < rows;
  const nr = transpose ? cols : rows;
  const nc = transpose ? rows : cols;
  // Work on a copy laid out as nr × nc with nr ≤ nc, negated for maximization.
  const c = new Float64Array(nr * nc);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = data[i * cols + j]!;
      if (!Number.isFinite(x)) throw new RangeError(`cost[${i}][${j}] = ${x} is not finite`);
      c[transpose ? j * nc + i : i * nc + j] = maximize ? -x : x;
    }
  }
  const col4row = solve(c, nr, nc);
  const out: Assignment = { rows: [], cols: [] };
  if (!transpose) {
    for (let i = 0; i < nr; i++) {
      out.rows.push(i);
      out.cols.push(col4row[i]!);
    }
    return out;
  }
  // Transposed: rows of the solved problem are original columns; report by increasing original row.
  const order = Array.from(col4row.keys()).sort((a, b) => col4row[a]! - col4row[b]!);
  for (const k of order) {
    out.rows.push(col4row[k]!);
    out.cols.push(k);
  }
  return out;
}

/** Crouse's Algorithm: returns the column of each row (nr ≤ nc). */
function solve(c: Float64Array, nr: number, nc: number): Int32Array {
  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const shortest = new Float64Array(nc);
  const path = new Int32Array(nc).fill(-1);
  const col4row = new Int32Array(nr).fill(-1);
  const row4col = new Int32Array(nc).fill(-1);
  const SR = new Uint8Array(nr);
  const SC = new Uint8Array(nc);
  const remaining = new Int32Array(nc);

  for (let curRow = 0; curRow < nr; curRow++) {
    // Dijkstra-like search for the shortest augmenting path from curRow to a free column.
    let minVal = 0;
    let numRemaining = nc;
    for (let it = 0; it < nc; it++) remaining[it] = nc - it - 1;
    SR.fill(0);
    SC.fill(0);
    shortest.fill(Number.POSITIVE_INFINITY);
    let sink = -1;
    let i = curRow;
    while (sink === -1) {
      let index = -1;
      let lowest = Number.POSITIVE_INFINITY;
      SR[i] = 1;
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it]!;
        const r = minVal + c[i * nc + j]! - u[i]! - v[j]!;
        if (r < shortest[j]!) {
          path[j] = i;
          shortest[j] = r;
        }
        if (shortest[j]! < lowest || (shortest[j] === lowest && row4col[j] === -1)) {
          lowest = shortest[j]!;
          index = it;
        }
      }
      minVal = lowest;
      if (minVal === Number.POSITIVE_INFINITY) throw new RangeError('cost matrix is infeasible');
      const j = remaining[index]!;
      if (row4col[j] === -1) sink = j;
      else i = row4col[j]!;
      SC[j] = 1;
      remaining[index] = remaining[--numRemaining]!;
    }
    // Update the dual variables.
    u[curRow] = u[curRow]! + minVal;
    for (let r = 0; r < nr; r++) {
      if (SR[r] && r !== curRow) u[r] = u[r]! + minVal - shortest[col4row[r]!]!;
    }
    for (let j = 0; j < nc; j++) {
      if (SC[j]) v[j] = v[j]! - (minVal - shortest[j]!);
    }
    // Augment along the path back to curRow.
    let j = sink;
    for (;;) {
      const r = path[j]!;
      row4col[j] = r;
      const prev = col4row[r]!;
      col4row[r] = j;
      j = prev;
      if (r === curRow) break;
    }
  }
  return col4row;
}
