/**
 * Strings in code-unit order: the same on every machine. `localeCompare` follows the process's locale (ICU, from
 * LANG), so a sort by it could order topics, cameras or files differently on a user's machine than on CI, and with
 * them bytes that are meant to be identical; it also puts `/cam_back_left` before `/cam_back/`.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
