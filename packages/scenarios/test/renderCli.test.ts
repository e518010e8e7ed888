import { describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.ts';

/**
 * The CLI's main in this process, with stdout and stderr captured. Only usage errors are
 * tested here (they are found before any run); the renderers' output through runJob is in
 * renderGolden / renderWindbg.
 */
async function irpsim(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      out[stream] += String(chunk);
      return true;
    }),
  );
  try {
    return { code: await main(argv), ...out };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('irpsim run --format history|mermaid|chrome|windbg (docs/cli.md)', () => {
  it('the renderers are for run only, and --at goes with --format windbg: usage errors at the option (exit 2)', async () => {
    const check = await irpsim('check', 'packages/scenarios/lessons/hello-ioctl.yaml', '--format', 'mermaid');
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/^<command line>:1:60: error: --format mermaid is for 'irpsim run'/);
    const at = await irpsim('run', 'hello-ioctl', '--format', 'history', '--at', '3');
    expect(at.code).toBe(2);
    expect(at.stderr).toMatch(/^<command line>:1:39: error: --at SEQ goes with --format windbg/);
    const zero = await irpsim('run', 'hello-ioctl', '--format', 'windbg', '--at', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/^<command line>:1:38: error: --at must be an integer from 1/);
  });
});
