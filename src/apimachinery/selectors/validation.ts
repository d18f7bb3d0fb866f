/**
 * The label key and value rules selectors check: upstream's IsQualifiedName and
 * IsValidLabelValue, shared with object validation.
 */
import { isQualifiedName, isValidLabelValue } from '../names.js';

/** Problems with a label key (a qualified name with an optional DNS subdomain prefix); empty when valid. */
export const labelKeyErrors: (key: string) => string[] = isQualifiedName;

/** Problems with a label value; empty when valid. */
export const labelValueErrors: (value: string) => string[] = isValidLabelValue;

/** Upstream's `field.Invalid(path, value, detail).Error()` for a string value. */
export function invalidMessage(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`;
}
