/** The ValidatingAdmissionPolicy and binding printers, as upstream's printers. */
import type { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-types/admissionregistration/v1.js';
import { ageColumn, column, metaOf, nameColumn } from './columns.js';
import { timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

const policyPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Validations', 'Validations indicates the number of validation rules defined in this configuration', { type: 'integer' }),
    column('ParamKind', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    ageColumn(),
  ],
  print(obj, now) {
    const policy = obj as ValidatingAdmissionPolicy;
    const meta = metaOf(policy);
    const kind = policy.spec?.paramKind;
    return {
      cells: [meta.name ?? '', policy.spec?.validations?.length ?? 0, kind ? `${kind.apiVersion ?? ''}/${kind.kind ?? ''}` : '<unset>', timestampSince(meta.creationTimestamp, now)],
    };
  },
};

const bindingPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('PolicyName', 'PolicyName references a ValidatingAdmissionPolicy name which the ValidatingAdmissionPolicyBinding binds to.'),
    column('ParamRef', 'ParamRef specifies the parameter resource used to configure the admission control policy.'),
    ageColumn(),
  ],
  print(obj, now) {
    const binding = obj as ValidatingAdmissionPolicyBinding;
    const meta = metaOf(binding);
    const ref = binding.spec?.paramRef;
    let param = '<unset>';
    if (ref?.name) param = `${ref.namespace || '*'}/${ref.name}`;
    else if (ref?.selector) {
      const labels = Object.entries(ref.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
      param = labels.length || ref.selector.matchExpressions?.length ? labels.join(',') || '<selector>' : '<none>';
    }
    return { cells: [meta.name ?? '', binding.spec?.policyName ?? '', param, timestampSince(meta.creationTimestamp, now)] };
  },
};

/** Printers by `group/kind`. */
export const admissionRegistrationPrinters: Readonly<Record<string, TypePrinter>> = {
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': policyPrinter,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': bindingPrinter,
};
