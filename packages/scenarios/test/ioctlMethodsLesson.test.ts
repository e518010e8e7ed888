import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, renderText } from '../src/index.ts';

/** The narrated text of the flagship lesson, cut into one piece per DeviceIoControl call. */
function calls(): string[] {
  const file = join(import.meta.dirname, '..', 'lessons', 'ioctl-methods.yaml');
  const loaded = loadScenario(readFileSync(file, 'utf8'), { file: 'ioctl-methods.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const simulation = new Simulation(loaded.scenario);
  const result = simulation.run();
  expect(result.passed).toBe(true);
  const names = new Map([...loaded.scenario.values].map(([k, v]) => [v, k] as const));
  const text = renderText(result, simulation.events, { names });
  return text.split(/(?=DeviceIoControl\()/).slice(1);
}

/** Asserts the lines appear in this order. */
function inOrder(text: string, ...parts: RegExp[]): void {
  let at = 0;
  for (const part of parts) {
    const found = text.slice(at).search(part);
    expect(found, `${part} after position ${at} in:\n${text}`).toBeGreaterThanOrEqual(0);
    at += found + 1;
  }
}

describe('the ioctl-methods lesson narrates where each buffer is and what is copied when', () => {
  const [buffered, inDirect, outDirect, neither, overflow, tooSmall] = calls();

  it('METHOD_BUFFERED: one system buffer, the input copied in before the driver runs, exactly Information bytes copied back', () => {
    inOrder(
      buffered!,
      /IOCTL_METHODS_BUFFERED \(0x222400\), in 5 bytes, out 16 bytes/,
      /METHOD_BUFFERED: one system buffer 0x[0-9A-F]+ of max\(in 5, out 16\) = 16 bytes/,
      /copies 5 input bytes from the caller's buffer 0x[0-9A-F]+ into the system buffer/,
      /IoCallDriver/,
      /SystemBuffer = 0x[0-9A-F]+ \(kernel pool\) holds the 5 input bytes 'hello'/,
      /completes IRP \d+: Status = STATUS_SUCCESS \(0x00000000\), Information = 5/,
      /copies 5 bytes \(Information\) back from the system buffer to the caller's buffer 0x[0-9A-F]+: "HELLO"/,
      /→ TRUE, 5 bytes/,
    );
  });

  it('METHOD_IN_DIRECT: the input in a system buffer, the second buffer probed for read and reached through the MDL, nothing copied back', () => {
    inOrder(
      inDirect!,
      /output probed for read, locked in place and described by an MDL over 0x[0-9A-F]+ \(17 bytes\)/,
      /copies 4 input bytes/,
      /MmGetSystemAddressForMdlSafe: the MDL's 1 page .* mapped into system space at 0x[0-9A-F]+/,
      /reads 'payload-to-device' in place/,
      /→ TRUE, 17 bytes/,
    );
    expect(inDirect).not.toMatch(/back from the system buffer/);
  });

  it('METHOD_OUT_DIRECT: the output probed for write and written through the MDL, nothing copied back', () => {
    inOrder(outDirect!, /output probed for write, locked in place/, /MmGetSystemAddressForMdlSafe/, /writes 6 bytes through its system address/, /→ TRUE, 6 bytes/);
    expect(outDirect).not.toMatch(/back from the system buffer/);
  });

  it('METHOD_NEITHER: the raw user pointers, nothing copied either way', () => {
    inOrder(neither!, /METHOD_NEITHER: the driver gets the caller's raw pointers — Type3InputBuffer 0x[0-9A-F]+, UserBuffer 0x[0-9A-F]+/, /probes both inside __try/, /→ TRUE, 7 bytes/);
    expect(neither).not.toMatch(/copies \d+ (input )?bytes/);
  });

  it('a warning status: Information bytes are still copied back and counted, yet DeviceIoControl returns FALSE', () => {
    inOrder(
      overflow!,
      /copies 17 input bytes/,
      /completes IRP \d+: Status = STATUS_BUFFER_OVERFLOW \(0x80000005\), Information = 4/,
      /copies 4 bytes \(Information\) back from the system buffer to the caller's buffer 0x[0-9A-F]+: "TOO "/,
      /IO_STATUS_BLOCK ← \{STATUS_BUFFER_OVERFLOW[^,]*, 4\}/,
      /→ FALSE, 4 bytes.*ERROR_MORE_DATA \(234\)/,
    );
  });

  it('an error status: the input was copied in, nothing comes back, and the IOSB is left alone', () => {
    inOrder(
      tooSmall!,
      /copies 7 input bytes/,
      /STATUS_BUFFER_TOO_SMALL/,
      /an error status on a request that did not pend: the IO_STATUS_BLOCK and the event are left untouched/,
      /→ FALSE.*ERROR_INSUFFICIENT_BUFFER \(122\)/,
    );
    expect(tooSmall).not.toMatch(/back from the system buffer/);
  });
});
