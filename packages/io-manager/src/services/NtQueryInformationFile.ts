import { STATUS, type Machine, type NtStatus, type Routine, type SystemServiceArgs, type Thread } from '@irpsim/core';
import type { IoManager } from '../IoManager.ts';
import { writeOutput } from './probeWrites.ts';
import { FILE_INFORMATION_CLASS, NOTIFICATION_MODES, referenceInformationFile, writeIosb } from './NtSetInformationFile.ts';

/**
 * NtQueryInformationFile for FileIoCompletionNotificationInformation: the modes set on
 * the file object, with the IOSB {STATUS_SUCCESS, 4} (IO-7.16). FileCompletionInformation
 * cannot be queried (STATUS_INVALID_PARAMETER). Other classes are not modelled.
 */
export function NtQueryInformationFile(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtQueryInformationFile']): Routine<NtStatus> {
    const { status, file } = referenceInformationFile(io, thread, a, true);
    if (file === null) return status;
    if (a.infoClass !== FILE_INFORMATION_CLASS.FileIoCompletionNotificationInformation) return STATUS.INVALID_PARAMETER;
    let modes = 0;
    for (const [bit, flag] of NOTIFICATION_MODES) if ((file.flags & flag) !== 0) modes |= bit;
    const written = writeOutput(machine, thread, a.info, modes);
    if (written !== STATUS.SUCCESS) return written;
    writeIosb(io, thread, a.iosb, STATUS.SUCCESS, 4);
    return STATUS.SUCCESS;
  };
}
