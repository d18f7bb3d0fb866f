/**
 * The error every volume operation throws for a problem with the pod's volumes (a missing
 * source, a bad key, a failed host path check, a failed mount). `message` carries upstream's
 * wording so that it can go into a pod event or status message unchanged; `volumeName` names
 * the volume when the error concerns one.
 */
export class VolumeSetupError extends Error {
  override readonly name = 'VolumeSetupError';

  constructor(
    message: string,
    readonly volumeName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Joins several errors the way upstream's utilerrors.NewAggregate prints them: one error as
 * itself, several as `[a, b]`. Returns undefined for none.
 */
export function aggregateErrors(errors: readonly Error[], volumeName?: string): VolumeSetupError | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1) {
    const only = errors[0]!;
    return only instanceof VolumeSetupError ? only : new VolumeSetupError(only.message, volumeName, { cause: only });
  }
  return new VolumeSetupError(`[${errors.map((error) => error.message).join(', ')}]`, volumeName);
}

/** The `code` of a Node.js system error, or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
