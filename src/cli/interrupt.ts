/**
 * Ctrl-C, SIGTERM and SIGHUP. By default a signal ends the command at once:
 * nothing more is printed, and the exit code is 128 + the signal's number
 * (130 for SIGINT, as a shell reports for kubectl; 143 for SIGTERM, 129 for
 * SIGHUP). A command that must stop at a safe point instead (rotate) calls
 * `takeOver()` and watches `signal`; a second signal still ends it at once.
 */
export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export const INTERRUPT_SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export const INTERRUPT_EXIT_CODES: Readonly<Record<InterruptSignal, number>> = {
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
};

/** The reason `Interrupts.signal` is aborted with. */
export class InterruptedError extends Error {
  readonly exitCode: number;
  constructor(readonly signal: InterruptSignal) {
    super(`interrupted (${signal})`);
    this.name = 'InterruptedError';
    this.exitCode = INTERRUPT_EXIT_CODES[signal];
  }
}

export interface Interrupts {
  /** Aborted, with an InterruptedError as its reason, at the first signal. */
  readonly signal: AbortSignal;
  /** The command stops on its own at a safe point: the first signal only aborts `signal`. */
  takeOver(): void;
}

/** Where signals come from: the process, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: InterruptSignal, listener: () => void): unknown;
  off(event: InterruptSignal, listener: () => void): unknown;
}

/**
 * Listens for the three signals until `dispose()`. `exitNow` ends the process
 * (process.exit in the entry point); it is called at the first signal unless
 * the command took over, and at any second signal.
 */
export function listenForInterrupts(
  source: SignalSource,
  exitNow: (code: number, signal: InterruptSignal) => void,
): Interrupts & { dispose(): void; readonly takenOver: boolean } {
  const controller = new AbortController();
  let takenOver = false;
  const listeners = INTERRUPT_SIGNALS.map((name) => {
    const listener = (): void => {
      const first = !controller.signal.aborted;
      if (first) controller.abort(new InterruptedError(name));
      if (!first || !takenOver) exitNow(INTERRUPT_EXIT_CODES[name], name);
    };
    source.on(name, listener);
    return { name, listener };
  });
  return {
    signal: controller.signal,
    takeOver: () => {
      takenOver = true;
    },
    get takenOver() {
      return takenOver;
    },
    dispose: () => {
      for (const { name, listener } of listeners) source.off(name, listener);
    },
  };
}

/** For in-process runs (tests): no signal ever arrives. */
export function noInterrupts(): Interrupts {
  return { signal: new AbortController().signal, takeOver: () => undefined };
}
