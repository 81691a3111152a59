import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InterruptedError, listenForInterrupts, type InterruptSignal } from '../../../src/cli/interrupt.js';

function setup() {
  const source = new EventEmitter();
  const exits: Array<[number, InterruptSignal]> = [];
  const interrupts = listenForInterrupts(source, (code, signal) => exits.push([code, signal]));
  return { source, exits, interrupts };
}

describe('listenForInterrupts', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s ends the command at once with %i and aborts the signal', (name, code) => {
    const { source, exits, interrupts } = setup();
    source.emit(name);
    expect(exits).toEqual([[code, name]]);
    expect(interrupts.signal.aborted).toBe(true);
    expect(interrupts.signal.reason).toBeInstanceOf(InterruptedError);
    expect((interrupts.signal.reason as InterruptedError).exitCode).toBe(code);
  });

  it('a command that takes over only sees the signal abort; a second signal still ends it', () => {
    const { source, exits, interrupts } = setup();
    interrupts.takeOver();
    let seen = '';
    interrupts.signal.addEventListener('abort', () => (seen = (interrupts.signal.reason as InterruptedError).signal));
    source.emit('SIGTERM');
    expect(seen).toBe('SIGTERM');
    expect(exits).toEqual([]);
    source.emit('SIGINT');
    expect(exits).toEqual([[130, 'SIGINT']]);
  });

  it('dispose removes the listeners', () => {
    const { source, exits, interrupts } = setup();
    interrupts.dispose();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM') + source.listenerCount('SIGHUP')).toBe(0);
    source.emit('SIGINT');
    expect(exits).toEqual([]);
  });
});
