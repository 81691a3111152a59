import { describe, expect, it } from 'vitest';
import {
  addedLineBreaks,
  invalidKeyReason,
  MAX_SECRET_BYTES,
  mergeData,
  requireNewValues,
  refuseEmptyValues,
  type NewValue,
} from '../../../src/rotate/values.js';
import { RotateError } from '../../../src/rotate/errors.js';
import { b64 } from './builders.js';

const v = (key: string, value: string, origin = `--from-literal ${key}`, showKey?: boolean): NewValue => ({
  key,
  bytes: Buffer.from(value),
  origin,
  ...(showKey === undefined ? {} : { showKey }),
});

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RotateError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('mergeData', () => {
  const current = { password: b64('old'), user: b64('app'), host: b64('db') };

  it('carries over the keys not given and reports each key by name', () => {
    const merged = mergeData(current, [v('password', 'new'), v('port', '5432')], { replaceAll: false });
    expect(merged.data).toEqual({ password: b64('new'), port: b64('5432'), user: b64('app'), host: b64('db') });
    expect(merged).toMatchObject({
      added: ['port'],
      changed: ['password'],
      carried: ['host', 'user'],
      removed: [],
      unchanged: [],
    });
  });

  it('drops the keys not given with --replace-all', () => {
    const merged = mergeData(current, [v('password', 'new'), v('user', 'app')], { replaceAll: true });
    expect(Object.keys(merged.data).sort()).toEqual(['password', 'user']);
    expect(merged).toMatchObject({ changed: ['password'], unchanged: ['user'], removed: ['host'], carried: [] });
  });

  it('keeps the bytes exactly, trailing newline and binary included', () => {
    const bytes = Uint8Array.from([0, 255, 10, 13, 10]);
    const merged = mergeData({}, [{ key: 'blob', bytes, origin: '--from-file blob' }], { replaceAll: false });
    expect(Buffer.from(merged.data.blob!, 'base64')).toEqual(Buffer.from(bytes));
  });

  it('refuses no values at all to rotate; a plan of none carries every key', () => {
    expect(message(() => requireNewValues([]))).toMatch(/^no new values: give --from-file/);
    const merged = mergeData(current, [], { replaceAll: false });
    expect(merged.data).toEqual(current);
    expect(merged.carried).toEqual(Object.keys(current).sort());
  });

  it('refuses an empty key, an invalid key and a duplicate key, naming the origins', () => {
    expect(message(() => mergeData({}, [v('', 'x', '--from-literal #1')], { replaceAll: false }))).toBe(
      '--from-literal #1: invalid key: the key is empty',
    );
    expect(message(() => mergeData({}, [v('a b', 'x', '--from-file a b')], { replaceAll: false }))).toBe(
      '--from-file a b: invalid key "a b": a key may only contain letters, digits, "-", "_" and "."',
    );
    expect(
      message(() =>
        mergeData({}, [v('pw', '1', '--from-file pw'), v('pw', '2', '--from-literal #1')], { replaceAll: false }),
      ),
    ).toBe('key "pw" is given twice (--from-file pw and --from-literal #1)');
  });

  it('does not echo a key that may be part of a value', () => {
    const text = message(() =>
      mergeData({}, [v('s3cr3t+/x', 'y', '--from-env-file .env line 4', false)], { replaceAll: false }),
    );
    expect(text).toBe(
      '--from-env-file .env line 4: invalid key: a key may only contain letters, digits, "-", "_" and "."',
    );
    expect(text).not.toContain('s3cr3t');
  });

  it('refuses data over the 1 MiB Secret limit', () => {
    const big = 'x'.repeat(MAX_SECRET_BYTES);
    expect(message(() => mergeData({}, [v('big', big)], { replaceAll: false }))).toMatch(/at most 1048576 bytes/);
  });
});

describe('refuseEmptyValues', () => {
  it('refuses an empty new value, naming its origin and key (an unset variable, an empty file), unless allowed', () => {
    expect(message(() => refuseEmptyValues([v('user', 'app'), v('password', '', '--from-literal #2')]))).toBe(
      '--from-literal #2: the new value of key "password" is empty (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant',
    );
    expect(message(() => refuseEmptyValues([v('s3cr3t', '', '--from-env-file .env line 4', false)]))).toBe(
      '--from-env-file .env line 4: the new value is empty (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant',
    );
    expect(() => refuseEmptyValues([v('user', 'app')])).not.toThrow();
    expect(message(() => refuseEmptyValues([v('password', ' \r\n', '--from-file password=-')]))).toBe(
      '--from-file password=-: the new value of key "password" is only whitespace (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant',
    );
    expect(() => refuseEmptyValues([v('password', ' x\n')])).not.toThrow();
  });
});

describe('invalidKeyReason', () => {
  it.each(['password', 'tls.crt', '.dockerconfigjson', 'a-b_c.d', 'A1'])('accepts %s', (key) => {
    expect(invalidKeyReason(key)).toBeUndefined();
  });
  it.each(['', 'a/b', 'a b', 'ü', '.', '..', '..x', 'x'.repeat(254)])('rejects %j', (key) => {
    expect(invalidKeyReason(key)).toBeDefined();
  });
});

describe('addedLineBreaks', () => {
  const current = { password: b64('old'), cert: b64('-----BEGIN-----\n'), user: b64('app') };
  it('names the keys whose new value gained a final line break the current value has not (echo "$PW" | ...)', () => {
    expect(addedLineBreaks(current, [v('password', 'new\n'), v('user', 'app2'), v('cert', 'pem2\n')])).toEqual([
      'password',
    ]);
    expect(addedLineBreaks(current, [v('password', 'new\r\n')])).toEqual(['password']);
  });
  it('says nothing of new keys, of values the same as before, nor of keys cut from a line that may be a value', () => {
    expect(addedLineBreaks(current, [v('token', 'abc\n')])).toEqual([]);
    expect(addedLineBreaks({ password: b64('same\n') }, [v('password', 'same\n')])).toEqual([]);
    expect(addedLineBreaks(current, [v('password', 'new\n', 'line 1', false)])).toEqual([]);
  });
});
