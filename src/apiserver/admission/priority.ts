/**
 * Upstream's Priority admission plugin: a pod created with spec.priorityClassName gets the
 * class's value in spec.priority and its preemptionPolicy; a pod without one gets the
 * globalDefault class (the lowest if several), else priority 0. A PriorityClass may be
 * globalDefault only while no other is.
 */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { admissionForbidden, type AdmissionAttributes, type MutatingAdmissionPlugin, type ValidatingAdmissionPlugin } from './admission.js';

interface PodSpecPart {
  priorityClassName?: string;
  priority?: number;
  preemptionPolicy?: string;
}

/** Resolves pods' priority from PriorityClasses; keeps one globalDefault class. */
export class PriorityAdmission implements MutatingAdmissionPlugin, ValidatingAdmissionPlugin {
  readonly name = 'Priority';

  /** @param listClasses reads every PriorityClass. */
  constructor(private readonly listClasses: () => Promise<PriorityClass[]>) {}

  /** Pods being created and PriorityClasses being created or updated. */
  handles(a: AdmissionAttributes): boolean {
    if (a.subresource !== '') return false;
    if (a.type.group === '' && a.type.kind === 'Pod') return a.operation === 'CREATE';
    return a.type.group === 'scheduling.k8s.io' && a.type.kind === 'PriorityClass';
  }

  /** Sets a new pod's priority and preemptionPolicy from its class. */
  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.type.kind !== 'Pod') return;
    const spec = (a.object.spec ??= {}) as PodSpecPart;
    const classes = await this.listClasses();
    let priority = 0;
    let preemptionPolicy = 'PreemptLowerPriority';
    if (spec.priorityClassName) {
      const pc = classes.find((c) => c.metadata?.name === spec.priorityClassName);
      if (!pc) throw admissionForbidden(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
      priority = pc.value;
      preemptionPolicy = pc.preemptionPolicy ?? preemptionPolicy;
    } else {
      const defaults = classes.filter((c) => c.globalDefault).sort((x, y) => x.value - y.value);
      if (defaults[0]) {
        spec.priorityClassName = defaults[0].metadata?.name;
        priority = defaults[0].value;
        preemptionPolicy = defaults[0].preemptionPolicy ?? preemptionPolicy;
      }
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
      throw admissionForbidden(
        a,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    }
    spec.priority = priority;
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== preemptionPolicy) {
      throw admissionForbidden(
        a,
        `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
      );
    }
    spec.preemptionPolicy = preemptionPolicy;
  }

  /** Refuses a second globalDefault class. */
  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.type.kind !== 'PriorityClass') return;
    const pc = a.object as KubeObject & PriorityClass;
    if (!pc.globalDefault) return;
    const other = (await this.listClasses()).find((c) => c.globalDefault && c.metadata?.name !== pc.metadata?.name);
    if (other) throw admissionForbidden(a, `PriorityClass ${other.metadata?.name} is already marked as default. Only one default can exist`);
  }
}
