import { standInImageNames, writeStandInImages } from '../../src/kubelet/images/stand-ins.js';

/** The images the node tests use, built from busybox-static and never downloaded (see src/kubelet/images/stand-ins.ts). */
export const testImages = standInImageNames;

/** Writes the test images as OCI tars into `dir`; returns the file paths. */
export function writeTestImages(dir: string): Promise<string[]> {
  return writeStandInImages(dir);
}
