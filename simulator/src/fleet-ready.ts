// What both terminal fleets (units' devices, volunteers' phones) answer to "are you all connected yet?".

/** Resolves once every session is connected; rejects after `timeoutMs` or when the fleet closes, saying how many. */
export function whenAllConnected(
  state: () => { connected: number; sessions: number; closed: boolean }, timeoutMs: number, what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = (): void => {
      const s = state();
      if (s.connected === s.sessions) resolve();
      else if (Date.now() > deadline || s.closed) reject(new Error(`only ${s.connected} of ${s.sessions} ${what} connected`));
      else setTimeout(check, 50);
    };
    check();
  });
}
