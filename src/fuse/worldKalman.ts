/**
 * Constant-velocity Kalman filter in the world (odom) plane: x = [px, py, vx, vy] (m, m/s), P 4×4 row-major.
 * Process noise is white acceleration of spectral density q = σa² (Bar-Shalom's discretized CWNA):
 *   Q per axis = σa² [[dt⁴/4, dt³/2], [dt³/2, dt²]].
 * Measurements are positions z = [px, py] with a 2×2 covariance R. Functions are pure unless given `out`
 * (which may be the input state, for in-place use in hot loops).
 */

const FP_ = new Float64Array(16);
const NP_ = new Float64Array(16);
const K_ = new Float64Array(8);

export interface WorldState {
  x: Float64Array;
  P: Float64Array;
}

/** New state at position z with covariance R; velocity 0 ± `velStd` m/s. */
export function worldInitiate(z: readonly number[], R: readonly number[], velStd: number): WorldState {
  const x = Float64Array.of(z[0]!, z[1]!, 0, 0);
  const P = new Float64Array(16);
  P[0] = R[0]!;
  P[1] = R[1]!;
  P[4] = R[2]!;
  P[5] = R[3]!;
  P[10] = velStd * velStd;
  P[15] = velStd * velStd;
  return { x, P };
}

export function worldPredict(
  s: WorldState,
  dtS: number,
  accelStd: number,
  out: WorldState = { x: new Float64Array(4), P: new Float64Array(16) },
): WorldState {
  const { x, P } = s;
  if (dtS <= 0) {
    if (out !== s) {
      out.x.set(x);
      out.P.set(P);
    }
    return out;
  }
  const nx = out.x;
  nx[0] = x[0]! + dtS * x[2]!;
  nx[1] = x[1]! + dtS * x[3]!;
  nx[2] = x[2]!;
  nx[3] = x[3]!;
  // F = [[I, dt I], [0, I]]: FP then (FP)Fᵀ.
  const FP = FP_;
  FP.set(P);
  for (let j = 0; j < 4; j++) {
    FP[j] = P[j]! + dtS * P[8 + j]!;
    FP[4 + j] = P[4 + j]! + dtS * P[12 + j]!;
  }
  const nP = out.P;
  nP.set(FP);
  for (let i = 0; i < 4; i++) {
    nP[i * 4] = FP[i * 4]! + dtS * FP[i * 4 + 2]!;
    nP[i * 4 + 1] = FP[i * 4 + 1]! + dtS * FP[i * 4 + 3]!;
  }
  const q = accelStd * accelStd;
  const q11 = (q * dtS ** 4) / 4;
  const q12 = (q * dtS ** 3) / 2;
  const q22 = q * dtS * dtS;
  nP[0] = nP[0]! + q11;
  nP[5] = nP[5]! + q11;
  nP[2] = nP[2]! + q12;
  nP[8] = nP[8]! + q12;
  nP[7] = nP[7]! + q12;
  nP[13] = nP[13]! + q12;
  nP[10] = nP[10]! + q22;
  nP[15] = nP[15]! + q22;
  return out;
}

/** Innovation ν = z − Hx and its covariance S = H P Hᵀ + R (2×2). */
export function worldInnovation(s: WorldState, z: readonly number[], R: readonly number[]) {
  const nu: [number, number] = [z[0]! - s.x[0]!, z[1]! - s.x[1]!];
  const S: [number, number, number, number] = [
    s.P[0]! + R[0]!,
    s.P[1]! + R[1]!,
    s.P[4]! + R[2]!,
    s.P[5]! + R[3]!,
  ];
  return { nu, S };
}

/** Squared Mahalanobis distance νᵀ S⁻¹ ν of a 2-vector. */
export function mahalanobis2(nu: readonly number[], S: readonly number[]): number {
  const det = S[0]! * S[3]! - S[1]! * S[2]!;
  if (!(det > 0)) return Infinity;
  const a = nu[0]!;
  const b = nu[1]!;
  return (S[3]! * a * a - (S[1]! + S[2]!) * a * b + S[0]! * b * b) / det;
}

export function worldUpdate(
  s: WorldState,
  z: readonly number[],
  R: readonly number[],
  out: WorldState = { x: new Float64Array(4), P: new Float64Array(16) },
): WorldState {
  const nu0 = z[0]! - s.x[0]!;
  const nu1 = z[1]! - s.x[1]!;
  const P = s.P;
  const S0 = P[0]! + R[0]!;
  const S1 = P[1]! + R[1]!;
  const S2 = P[4]! + R[2]!;
  const S3 = P[5]! + R[3]!;
  const det = S0 * S3 - S1 * S2;
  const Si = [S3 / det, -S1 / det, -S2 / det, S0 / det];
  // K = P Hᵀ S⁻¹ (4×2): P Hᵀ = first two columns of P.
  const K = K_;
  for (let i = 0; i < 4; i++) {
    const p0 = P[i * 4]!;
    const p1 = P[i * 4 + 1]!;
    K[i * 2] = p0 * Si[0]! + p1 * Si[2]!;
    K[i * 2 + 1] = p0 * Si[1]! + p1 * Si[3]!;
  }
  const x = out.x;
  for (let i = 0; i < 4; i++) x[i] = s.x[i]! + K[i * 2]! * nu0 + K[i * 2 + 1]! * nu1;
  // Joseph-free form P' = (I − KH) P, symmetrized.
  const nP = NP_;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) nP[i * 4 + j] = P[i * 4 + j]! - K[i * 2]! * P[j]! - K[i * 2 + 1]! * P[4 + j]!;
  }
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) {
      const m = (nP[i * 4 + j]! + nP[j * 4 + i]!) / 2;
      nP[i * 4 + j] = m;
      nP[j * 4 + i] = m;
    }
  }
  out.P.set(nP);
  return out;
}
