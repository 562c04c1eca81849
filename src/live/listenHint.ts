/** The hint of a server that cannot listen: a busy or forbidden port asks for another, a bad address for --host. */
export function listenHint(err: Error, portHint: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL' || code === 'EAI_AGAIN'
    ? '--host must be an address of this machine (127.0.0.1, 0.0.0.0, or one of its interfaces)'
    : portHint;
}
