// The instant to renew at inside the CA's suggested window: uniformly random, so the CA's clients spread out, chosen
// once and kept while the window still holds it (RFC 9773 §4.2). A window moved so that it ends before the kept
// instant (an incident, a revocation) gets a new instant inside it, which may well be in the past: renew now.

export interface Window {
  start: Date;
  end: Date;
}

export interface ChosenInstant {
  chosen: Date;
  /** The window now ends before the instant chosen earlier. */
  movedEarlier: boolean;
}

export function chooseInstant(window: Window, previous: Date | undefined, random: () => number): ChosenInstant {
  const start = window.start.getTime();
  const end = window.end.getTime();
  if (previous !== undefined && previous.getTime() >= start && previous.getTime() <= end) return { chosen: previous, movedEarlier: false };
  const chosen = new Date(start + Math.floor(random() * (end - start)));
  return { chosen, movedEarlier: previous !== undefined && end < previous.getTime() };
}
