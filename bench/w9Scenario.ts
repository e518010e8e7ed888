// W9's scenario: one thread opens an overlapped handle and sends `held` IOCTLs that the
// driver holds pending (a cancel-safe queue nobody drains), then makes `calls` synchronous
// IOCTLs that the same driver completes at once on a second handle: the steady state the
// snapshots are measured in has `held` IRPs in flight (`held` + 1 during a call). Closing
// the overlapped handle cancels the held ones (CLEANUP), so the run ends clean.

/** The scenario as YAML (docs/scenario-format.md §5 inline driver, §3.3 `repeat`). */
export function w9Yaml(held: number, calls: number): string {
  return `name: w9-held-irps
description: ${held} overlapped IOCTLs held pending while ${calls} synchronous ones go through
machine:
  strategy: first-come
drivers:
  - name: hold
    device: '\\Device\\Hold'
    link: '\\DosDevices\\Hold'
    flags: [DO_BUFFERED_IO]
    values:
      IOCTL_HOLD: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
      IOCTL_NOW: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
    dispatch:
      IRP_MJ_CLEANUP:
        - { complete-queued: q, all: true, sameFile: true, status: STATUS_CANCELLED }
        - { complete: STATUS_SUCCESS }
      IOCTL_HOLD:
        - { pend: q }
      IOCTL_NOW:
        - { complete: STATUS_SUCCESS }
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Hold', overlapped: true, as: held }
          - repeat: ${held}
            actions:
              - { ioctl: IOCTL_HOLD, handle: held, overlapped: true }
          - { open: '\\\\.\\Hold', as: now }
          - repeat: ${calls}
            actions:
              - { ioctl: IOCTL_NOW, handle: now }
          - { close: now }
          - { close: held }
`;
}
