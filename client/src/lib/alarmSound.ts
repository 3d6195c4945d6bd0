// A short alarm tone made with WebAudio (no audio file). Browsers keep audio suspended until a user gesture;
// until then playAlarm() stays silent and never throws.
type AudioContextCtor = typeof AudioContext;

let ctx: AudioContext | null = null;

function context(): AudioContext | null {
  if (ctx) return ctx;
  const w = globalThis as unknown as { AudioContext?: AudioContextCtor; webkitAudioContext?: AudioContextCtor };
  const Ctor = w.AudioContext ?? w.webkitAudioContext;
  if (!Ctor) return null;
  try {
    ctx = new Ctor();
  } catch {
    return null;
  }
  return ctx;
}

/** Call from a user gesture (any click or key on the page) so later alarms can sound. */
export function unlockAudio(): void {
  const c = context();
  if (c && c.state === 'suspended') c.resume().catch(() => undefined);
}

function beep(c: AudioContext, at: number, freq: number, dur: number): void {
  const osc = c.createOscillator();
  const gain = c.createGain();
  osc.type = 'sine';
  osc.frequency.setValueAtTime(freq, at);
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
  gain.gain.setValueAtTime(0.3, at + dur - 0.05);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + dur);
  osc.connect(gain).connect(c.destination);
  osc.start(at);
  osc.stop(at + dur + 0.02);
}

/** Two falling two-tone chimes, about 1.3 s in all. */
export function playAlarm(): void {
  const c = context();
  if (!c) return;
  const play = (): void => {
    const t = c.currentTime + 0.05;
    beep(c, t, 988, 0.22);
    beep(c, t + 0.26, 740, 0.3);
    beep(c, t + 0.7, 988, 0.22);
    beep(c, t + 0.96, 740, 0.3);
  };
  if (c.state === 'running') {
    play();
    return;
  }
  // Suspended (no gesture yet): try to resume; play only if it happens at once, never a stale alarm later.
  const asked = Date.now();
  c.resume().then(() => { if (Date.now() - asked < 1000) play(); }, () => undefined);
}
