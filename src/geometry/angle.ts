/**
 * Angle wrapping. Two ranges on purpose: the simulator's ground truth and the world tracker were written with
 * different conventions, and their outputs are pinned bit for bit (scenarios/digests.json, recordings/golden/),
 * so each keeps its own arithmetic. Pick by the range you need; do not swap one for the other.
 */

/**
 * Wrap an angle to (−π, π] by adding or subtracting 2π. An angle already in range is returned unchanged
 * (bit for bit); π stays π, −π becomes π.
 */
export function wrapAngle(a: number): number {
  let x = a;
  while (x <= -Math.PI) x += 2 * Math.PI;
  while (x > Math.PI) x -= 2 * Math.PI;
  return x;
}

/**
 * Wrap an angle to [−π, π) as ((a + π) mod 2π) − π, in constant time. −π stays −π, π becomes −π (a tiny
 * negative remainder can still round up to π). Not the identity on in-range angles: the result can differ from
 * `a` in the last bits.
 */
export function wrapAngleMinusPiIncluded(a: number): number {
  let x = (a + Math.PI) % (2 * Math.PI);
  if (x < 0) x += 2 * Math.PI;
  return x - Math.PI;
}
