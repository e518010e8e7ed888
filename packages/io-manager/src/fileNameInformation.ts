/** FILE_INFORMATION_CLASS FileNameInformation (wdm.h). */
export const FileNameInformation = 9;

/** Parameters.QueryFile of IRP_MJ_QUERY_INFORMATION. */
export interface QueryFileParameters {
  /** Bytes of the system buffer the driver may fill. */
  readonly length: number;
  /** FILE_INFORMATION_CLASS: FileNameInformation (9) when the I/O manager asks a file's name. */
  readonly fileInformationClass: number;
}

/**
 * FILE_NAME_INFORMATION as a driver writes it into the system buffer: ULONG FileNameLength
 * (bytes), then the name in UTF-16LE, no terminator.
 */
export function encodeFileNameInformation(name: string): Uint8Array {
  const bytes = new Uint8Array(4 + name.length * 2);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, name.length * 2, true);
  for (let i = 0; i < name.length; i++) view.setUint16(4 + i * 2, name.charCodeAt(i), true);
  return bytes;
}

/** Reads FILE_NAME_INFORMATION back: the name, cut to the `length` bytes the buffer holds. */
export function decodeFileNameInformation(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Math.min(view.getUint32(0, true), bytes.length - 4);
  let name = '';
  for (let i = 0; i + 1 < length; i += 2) name += String.fromCharCode(view.getUint16(4 + i, true));
  return name;
}
