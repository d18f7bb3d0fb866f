/**
 * The ClusterRole aggregation controller, after upstream's pkg/controller/clusterroleaggregation:
 * a ClusterRole with an `aggregationRule` gets as `rules` the rules of every other ClusterRole
 * its selectors match (in name order, each rule once), and again whenever any ClusterRole changes.
 */
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import { jsonEqual } from '../../apimachinery/json.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { labelSelectorFromObject, matchesLabels } from '../../apimachinery/selectors/labels.js';
import type { ResourceRef } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The component name of this controller. */
export const clusterRoleAggregationControllerName = 'clusterrole-aggregation-controller';

const clusterRoles: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };

type ClusterRoleObject = ClusterRole & KubeObject;

/** The rules an aggregated ClusterRole should have, from the ClusterRoles its selectors match. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map(labelSelectorFromObject);
  const rules: PolicyRule[] = [];
  const sources = all
    .filter((other) => other.metadata?.name !== role.metadata?.name)
    .filter((other) => selectors.some((s) => matchesLabels(s, other.metadata?.labels)))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const source of sources) {
    for (const rule of source.rules ?? []) if (!rules.some((r) => jsonEqual(r, rule))) rules.push(rule);
  }
  return rules;
}

/** Keeps the rules of aggregated ClusterRoles (admin, edit, view and users' own) current. */
export class ClusterRoleAggregationController implements Controller {
  readonly name = clusterRoleAggregationControllerName;
  readonly queueName = 'ClusterRoleAggregator';
  readonly workers = 1;
  private readonly roles: Informer<ClusterRoleObject>;

  constructor(private readonly ctx: ControllerContext) {
    this.roles = ctx.informers.informerFor<ClusterRoleObject>(clusterRoles);
  }

  /** The ClusterRole cache. */
  get caches(): SyncedCache[] {
    return [this.roles];
  }

  /** Any ClusterRole change may change what any aggregated role collects: queue every aggregated role. */
  watch(queue: KeyQueue): void {
    const queueAggregated = () => {
      for (const role of this.roles.list()) if (role.aggregationRule) queue.add(role.metadata?.name ?? '');
    };
    this.roles.addEventHandler({ onAdd: queueAggregated, onUpdate: queueAggregated, onDelete: queueAggregated });
  }

  /** Writes the aggregated rules of the ClusterRole of this name when they differ. */
  async sync(name: string): Promise<SyncResult> {
    const role = this.roles.get('', name);
    if (!role?.aggregationRule) return {};
    const rules = aggregatedRules(role, this.roles.list());
    if (jsonEqual(rules, role.rules ?? [])) return {};
    try {
      await this.ctx.client.update(clusterRoles, '', { ...role, rules });
    } catch (err) {
      // A newer version is on its way through the informer, which queues the role again.
      if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return {};
      throw err;
    }
    return {};
  }
}

/** Builds the ClusterRole aggregation controller. */
export const clusterRoleAggregationControllerFactory: ControllerFactory = (ctx) => new ClusterRoleAggregationController(ctx);
