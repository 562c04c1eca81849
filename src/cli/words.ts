/** `1 id`, `2 ids`: a count with its noun, for the lines people read. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
