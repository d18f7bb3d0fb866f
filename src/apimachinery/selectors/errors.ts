import { StatusError } from '../errors.js';

/**
 * A label or field selector that cannot be parsed or is not supported for the resource. The API
 * server answers it as 400 BadRequest with upstream's message, as it does for any StatusError.
 */
export class SelectorError extends StatusError {
  constructor(message: string) {
    super(400, 'BadRequest', message);
  }
}
