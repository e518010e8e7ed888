import { decodeUtf8, encodeUtf8, fnv1a64 } from '@irpsim/core';
import type { Reduction } from './reduceScenario.ts';

/** Everything a replayed run depends on besides the scenario file itself. */
export interface Schedule {
  /** The irpsim version that recorded it. */
  readonly version: string;
  /** The scenario's fingerprint (16 hex digits). */
  readonly scenarioHash: string;
  /** The scenario reduction shrinking applied: threads dropped, actions skipped (reduceScenario.ts). */
  readonly reduction: Reduction;
  readonly verifier: 'off' | 'standard' | 'enhanced';
  /** Adversary settings (injected cancellation, faults): the modes as a bit mask (io-manager's adversaryMask); 0 = none. */
  readonly adversaries: number;
  /** The choice sequence, every answer of the run in order. */
  readonly choices: readonly number[];
}

/** A token that is not one, or one recorded for something else. */
export class ScheduleTokenError extends Error {}

// Format 2: the reduction became a list of dropped threads (format 1 had a number, always 0).
// Format 3: the reduction also lists skipped actions, and adversaries is a mask of modes.
const FORMAT = 3;
const VERIFIER_LEVELS = ['off', 'standard', 'enhanced'] as const;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Encodes a schedule as a URL-safe token (letters, digits, `-`, `_`): a format byte, the
 * fields as varints (the version as its UTF-8 bytes, the hash as 8 bytes, the reduction
 * as the count and list of dropped threads, then the count and list of skipped actions as
 * (thread, action) pairs), the choices
 * with every run of zeros — the default answer, by far the most common — as a 0 and its
 * length, then a check byte so a mistyped token is refused rather than replayed.
 */
export function encodeSchedule(schedule: Schedule): string {
  const bytes: number[] = [FORMAT];
  const version = encodeUtf8(schedule.version);
  varint(bytes, version.length);
  bytes.push(...version);
  if (!/^[0-9a-f]{16}$/.test(schedule.scenarioHash)) throw new ScheduleTokenError(`not a scenario hash: ${schedule.scenarioHash}`);
  for (let i = 0; i < 16; i += 2) bytes.push(parseInt(schedule.scenarioHash.slice(i, i + 2), 16));
  varint(bytes, schedule.reduction.threads.length);
  for (const unit of schedule.reduction.threads) varint(bytes, unit);
  varint(bytes, schedule.reduction.actions.length);
  for (const [unit, action] of schedule.reduction.actions) {
    varint(bytes, unit);
    varint(bytes, action);
  }
  bytes.push(VERIFIER_LEVELS.indexOf(schedule.verifier));
  varint(bytes, schedule.adversaries);
  const choices = schedule.choices;
  for (let i = 0; i < choices.length; ) {
    if (choices[i] === 0) {
      let run = 0;
      while (choices[i + run] === 0) run++;
      bytes.push(0);
      varint(bytes, run);
      i += run;
    } else {
      varint(bytes, choices[i]!);
      i++;
    }
  }
  bytes.push(checkByte(bytes));
  return base64url(bytes);
}

/** Decodes a token; a malformed or corrupted token is a ScheduleTokenError. */
export function decodeSchedule(token: string): Schedule {
  const bytes = unbase64url(token);
  if (bytes.length < 2 || checkByte(bytes.slice(0, -1)) !== bytes[bytes.length - 1]) {
    throw new ScheduleTokenError('not a schedule token (its check byte does not match: was it copied whole?)');
  }
  const reader = { bytes, at: 0, end: bytes.length - 1 };
  const format = bytes[reader.at++]!;
  if (format < FORMAT) throw new ScheduleTokenError(`a schedule token of format ${format}, made by an earlier irpsim; this one reads format ${FORMAT} only (its scenario reductions and adversary settings differ), so it is not replayed rather than misread`);
  if (format !== FORMAT) throw new ScheduleTokenError(`a schedule token of format ${format}, which this irpsim cannot read (it reads format ${FORMAT}): made by a later irpsim?`);
  const versionLength = readVarint(reader);
  if (reader.at + versionLength + 8 > reader.end) throw new ScheduleTokenError('a truncated schedule token');
  const version = decodeUtf8(new Uint8Array(bytes.slice(reader.at, reader.at + versionLength)));
  reader.at += versionLength;
  let scenarioHash = '';
  for (let i = 0; i < 8; i++) scenarioHash += bytes[reader.at++]!.toString(16).padStart(2, '0');
  const threads: number[] = [];
  for (let n = readVarint(reader); n > 0; n--) threads.push(readVarint(reader));
  const actions: [number, number][] = [];
  for (let n = readVarint(reader); n > 0; n--) actions.push([readVarint(reader), readVarint(reader)]);
  const reduction: Reduction = { threads, actions };
  const verifier = VERIFIER_LEVELS[bytes[reader.at++]!];
  if (verifier === undefined) throw new ScheduleTokenError('a schedule token with an unknown verifier level');
  const adversaries = readVarint(reader);
  const choices: number[] = [];
  while (reader.at < reader.end) {
    const value = readVarint(reader);
    if (value !== 0) choices.push(value);
    else for (let run = readVarint(reader); run > 0; run--) choices.push(0);
  }
  return { version, scenarioHash, reduction, verifier, adversaries, choices };
}

function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(reader: { bytes: readonly number[]; at: number; end: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (reader.at >= reader.end) throw new ScheduleTokenError('a truncated schedule token');
    const byte = reader.bytes[reader.at++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
    if (scale > 2 ** 49) throw new ScheduleTokenError('a schedule token with a number out of range');
  }
}

function checkByte(bytes: readonly number[]): number {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return parseInt(fnv1a64(text).slice(-2), 16);
}

function base64url(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

function unbase64url(token: string): number[] {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new ScheduleTokenError('not a schedule token (only letters, digits, - and _ are allowed)');
  if (token.length % 4 === 1) throw new ScheduleTokenError('not a schedule token (it has a length no token has: was it copied whole?)');
  const out: number[] = [];
  let bits = 0;
  let count = 0;
  for (const ch of token) {
    bits = (bits << 6) | ALPHABET.indexOf(ch);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push((bits >> count) & 0xff);
      bits &= (1 << count) - 1;
    }
  }
  return out;
}
