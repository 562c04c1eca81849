/**
 * Constant-velocity Kalman filter on the box state, exactly as ByteTrack's `yolox/tracker/kalman_filter.py`
 * (itself DeepSORT's): state x = [cx, cy, a, h, vcx, vcy, va, vh] (centre, aspect w/h, height, and their
 * velocities per frame), measurement z = [cx, cy, a, h], F = I + dt·(upper-right identity), H = [I 0].
 * Noise scales with the box height h (the "std weights" 1/20 and 1/160 of the reference):
 *   P0  = diag(2σp h, 2σp h, 1e-2, 2σp h, 10σv h, 10σv h, 1e-5, 10σv h)²
 *   Q   = diag(σp h, σp h, 1e-2, σp h, σv h, σv h, 1e-5, σv h)²     (h before the prediction)
 *   R   = diag(σp h, σp h, 1e-1, σp h)²                           (h of the predicted state)
 * Covariances are 8×8 row-major Float64Arrays. Functions are pure unless given `out` (which may be the input
 * state itself, for in-place use in hot loops: a 512-byte typed array is a costly off-heap allocation in V8).
 */

export interface KalmanParams {
  /** σp: position noise per unit of box height (reference 1/20). */
  stdWeightPosition: number;
  /** σv: velocity noise per unit of box height (reference 1/160). */
  stdWeightVelocity: number;
}

export const BYTETRACK_KALMAN: KalmanParams = { stdWeightPosition: 1 / 20, stdWeightVelocity: 1 / 160 };

export interface KalmanState {
  mean: Float64Array;
  cov: Float64Array;
}

const N = 8;

/** New state from a first measurement [cx, cy, a, h] (velocities zero). */
export function kalmanInitiate(z: readonly number[], p: KalmanParams = BYTETRACK_KALMAN): KalmanState {
  const mean = new Float64Array(N);
  for (let i = 0; i < 4; i++) mean[i] = z[i]!;
  const h = z[3]!;
  const wp = p.stdWeightPosition;
  const wv = p.stdWeightVelocity;
  const std = [2 * wp * h, 2 * wp * h, 1e-2, 2 * wp * h, 10 * wv * h, 10 * wv * h, 1e-5, 10 * wv * h];
  const cov = new Float64Array(N * N);
  for (let i = 0; i < N; i++) cov[i * N + i] = std[i]! * std[i]!;
  return { mean, cov };
}

const FP_ = new Float64Array(N * N);
const Q_ = new Float64Array(N);

/** One prediction step of `dt` frames (the reference always uses dt = 1). */
export function kalmanPredict(
  s: KalmanState,
  p: KalmanParams = BYTETRACK_KALMAN,
  dt = 1,
  out: KalmanState = { mean: new Float64Array(N), cov: new Float64Array(N * N) },
): KalmanState {
  const m = s.mean;
  const P = s.cov;
  const h = m[3]!;
  const wp = p.stdWeightPosition;
  const wv = p.stdWeightVelocity;
  const q = Q_;
  q[0] = wp * h;
  q[1] = wp * h;
  q[2] = 1e-2;
  q[3] = wp * h;
  q[4] = wv * h;
  q[5] = wv * h;
  q[6] = 1e-5;
  q[7] = wv * h;
  const mean = out.mean;
  for (let i = 0; i < 4; i++) {
    mean[i] = m[i]! + dt * m[i + 4]!;
    mean[i + 4] = m[i + 4]!;
  }
  // FP = F·P: rows i<4 are P[i] + dt·P[i+4]; then (FP)·Fᵀ: columns j<4 are FP[:,j] + dt·FP[:,j+4].
  const FP = FP_;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      FP[i * N + j] = i < 4 ? P[i * N + j]! + dt * P[(i + 4) * N + j]! : P[i * N + j]!;
    }
  }
  const cov = out.cov;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      cov[i * N + j] = j < 4 ? FP[i * N + j]! + dt * FP[i * N + j + 4]! : FP[i * N + j]!;
    }
    cov[i * N + i] = cov[i * N + i]! + q[i]! * q[i]!;
  }
  return out;
}

/** Projected measurement mean (4) and covariance S = H P Hᵀ + R (4×4 row-major). */
function kalmanProject(
  s: KalmanState,
  p: KalmanParams = BYTETRACK_KALMAN,
): { mean: Float64Array; cov: Float64Array } {
  const h = s.mean[3]!;
  const wp = p.stdWeightPosition;
  const r = [wp * h, wp * h, 1e-1, wp * h];
  const mean = s.mean.slice(0, 4);
  const cov = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) cov[i * 4 + j] = s.cov[i * N + j]!;
    cov[i * 4 + i] = cov[i * 4 + i]! + r[i]! * r[i]!;
  }
  return { mean, cov };
}

/**
 * Squared Mahalanobis distance of a measurement z = [cx, cy, a, h] from the state's projected measurement
 * (DeepSORT's and the reference's `gating_distance`, metric 'maha'): (z − Hx)ᵀ S⁻¹ (z − Hx) with
 * S = H P Hᵀ + R. `onlyPosition` uses the centre only (2 degrees of freedom instead of 4).
 */
export function kalmanGatingDistance(
  s: KalmanState,
  z: readonly number[],
  p: KalmanParams = BYTETRACK_KALMAN,
  onlyPosition = false,
): number {
  const { mean, cov } = kalmanProject(s, p);
  const d0 = z[0]! - mean[0]!;
  const d1 = z[1]! - mean[1]!;
  if (onlyPosition) {
    const a = cov[0]!;
    const b = cov[1]!;
    const c = cov[5]!;
    const det = a * c - b * b;
    return (c * d0 * d0 - 2 * b * d0 * d1 + a * d1 * d1) / det;
  }
  const L = new Float64Array(16);
  cholesky4(cov, L);
  const nu = new Float64Array([d0, d1, z[2]! - mean[2]!, z[3]! - mean[3]!]);
  // Forward substitution L y = ν; the distance is |y|².
  let acc = 0;
  const y = new Float64Array(4);
  for (let i = 0; i < 4; i++) {
    let v = nu[i]!;
    for (let k = 0; k < i; k++) v -= L[i * 4 + k]! * y[k]!;
    y[i] = v / L[i * 4 + i]!;
    acc += y[i]! * y[i]!;
  }
  return acc;
}

// Module-scope scratch for the update (no per-call allocation in the hot loop; the functions stay pure).
const S_ = new Float64Array(16);
const L_ = new Float64Array(16);
const K_ = new Float64Array(32);
const KS_ = new Float64Array(32);
const b_ = new Float64Array(4);
const y_ = new Float64Array(4);
const x_ = new Float64Array(4);
const nu_ = new Float64Array(4);

/**
 * Measurement update with z = [cx, cy, a, h]: K = P Hᵀ S⁻¹ (via Cholesky of S, as the reference's
 * cho_factor/cho_solve), x' = x + K (z − Hx), P' = P − K S Kᵀ.
 */
export function kalmanUpdate(
  s: KalmanState,
  z: readonly number[],
  p: KalmanParams = BYTETRACK_KALMAN,
  out: KalmanState = { mean: new Float64Array(N), cov: new Float64Array(N * N) },
): KalmanState {
  const P = s.cov;
  const h = s.mean[3]!;
  const wp = p.stdWeightPosition;
  const r0 = wp * h;
  const r2 = 1e-1;
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) S_[i * 4 + j] = P[i * N + j]!;
  S_[0] = S_[0]! + r0 * r0;
  S_[5] = S_[5]! + r0 * r0;
  S_[10] = S_[10]! + r2 * r2;
  S_[15] = S_[15]! + r0 * r0;
  cholesky4(S_, L_);
  // PHt is 8×4 (the first 4 columns of P); K = PHt S⁻¹ → solve S Kᵀ = (PHt)ᵀ row by row of K.
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 4; j++) b_[j] = P[i * N + j]!;
    choSolve4(L_, b_, y_, x_);
    for (let j = 0; j < 4; j++) K_[i * 4 + j] = x_[j]!;
  }
  for (let j = 0; j < 4; j++) nu_[j] = z[j]! - s.mean[j]!;
  const mean = out.mean;
  for (let i = 0; i < N; i++) {
    let acc = 0;
    for (let j = 0; j < 4; j++) acc += nu_[j]! * K_[i * 4 + j]!;
    mean[i] = s.mean[i]! + acc;
  }
  // KS = K·S (8×4), then P' = P − KS·Kᵀ.
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 4; j++) {
      let acc = 0;
      for (let k = 0; k < 4; k++) acc += K_[i * 4 + k]! * S_[k * 4 + j]!;
      KS_[i * 4 + j] = acc;
    }
  }
  const cov = out.cov;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < 4; k++) acc += KS_[i * 4 + k]! * K_[j * 4 + k]!;
      cov[i * N + j] = P[i * N + j]! - acc;
    }
  }
  return out;
}

/** Lower Cholesky factor of a 4×4 SPD matrix into L. */
function cholesky4(A: Float64Array, L: Float64Array): void {
  L.fill(0);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i * 4 + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * 4 + k]! * L[j * 4 + k]!;
      L[i * 4 + j] = i === j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / L[j * 4 + j]!;
    }
  }
}

/** Solve (L Lᵀ) x = b (y: scratch). */
function choSolve4(L: Float64Array, b: Float64Array, y: Float64Array, x: Float64Array): void {
  for (let i = 0; i < 4; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * 4 + k]! * y[k]!;
    y[i] = s / L[i * 4 + i]!;
  }
  for (let i = 3; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < 4; k++) s -= L[k * 4 + i]! * x[k]!;
    x[i] = s / L[i * 4 + i]!;
  }
}

/**
 * Camera-motion compensation: warp the state by a 2×3 affine image transform [a b tx; c d ty] (as BoT-SORT's
 * GMC does), rotating/scaling centre and centre velocity by the 2×2 part, scaling h and vh by √|det|, and the
 * covariance by the same Jacobian.
 */
export function kalmanWarp(s: KalmanState, warp: readonly number[]): KalmanState {
  const [a, b, tx, c, d, ty] = warp as [number, number, number, number, number, number];
  const sc = Math.sqrt(Math.abs(a * d - b * c));
  const J = new Float64Array(N * N);
  for (const o of [0, 4]) {
    J[o * N + o] = a;
    J[o * N + o + 1] = b;
    J[(o + 1) * N + o] = c;
    J[(o + 1) * N + o + 1] = d;
    J[(o + 2) * N + o + 2] = 1;
    J[(o + 3) * N + o + 3] = sc;
  }
  const mean = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let acc = 0;
    for (let k = 0; k < N; k++) acc += J[i * N + k]! * s.mean[k]!;
    mean[i] = acc;
  }
  mean[0] = mean[0]! + tx;
  mean[1] = mean[1]! + ty;
  const JP = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += J[i * N + k]! * s.cov[k * N + j]!;
      JP[i * N + j] = acc;
    }
  const cov = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += JP[i * N + k]! * J[j * N + k]!;
      cov[i * N + j] = acc;
    }
  return { mean, cov };
}
