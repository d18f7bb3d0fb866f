/**
 * Authorization as `skiff server` composes it, after upstream's `--authorization-mode=Node,RBAC`:
 * `system:masters` always allowed, then the given authorizers (the Node authorizer's slot), then
 * RBAC; escalation checks on RBAC writes; the bootstrap policy reconciled at start.
 */
import type { Subject } from 'kubernetes-types/rbac/v1.js';
import type { Client } from '../../client/client.js';
import type { MutatingAdmissionPlugin } from '../admission/admission.js';
import { reconcileBootstrapPolicy, type BindingOptions } from './bootstrap-policy.js';
import { AuthorizerChain, systemMastersAuthorizer, type ChainedAuthorizer } from './chain.js';
import { EscalationCheck } from './escalation.js';
import { CertificateApprovalAdmission } from '../admission/certificate-approval.js';
import { RbacAuthorizer } from './rbac-authorizer.js';

/** Options of {@link RbacAuthorization}. */
export interface RbacAuthorizationOptions {
  /** Authorizers between `system:masters` and RBAC (a Node authorizer). Default none. */
  authorizers?: readonly ChainedAuthorizer[];
}

/** Options of {@link RbacAuthorization.start}. */
export interface RbacStartOptions {
  /**
   * Bind `system:node` to the group `system:nodes`. Default: true unless a Node authorizer is
   * in the chain (then upstream leaves the binding empty).
   */
  bindNodesGroup?: boolean;
  /** Subjects that get `system:node` and `system:node-proxier` besides (e.g. the join token's group). Default none. */
  nodeSubjects?: Subject[];
  /** Told about failed lists and watches of the RBAC informers. Default console.error. */
  onError?: (error: unknown) => void;
}

/** The authorizer chain, the escalation admission step and the RBAC indexes behind them. */
export class RbacAuthorization {
  /** The RBAC authorizer and rule resolver (`rulesFor`). */
  readonly rbac = new RbacAuthorizer();
  /** What the API server asks (`authorizer` option). */
  readonly authorizer: AuthorizerChain;
  /** What the API server runs on writes (`admissionPlugins` option). */
  readonly admissionPlugins: readonly MutatingAdmissionPlugin[];
  private readonly hasNodeAuthorizer: boolean;

  constructor(options: RbacAuthorizationOptions = {}) {
    const middle = options.authorizers ?? [];
    this.hasNodeAuthorizer = middle.length > 0;
    this.authorizer = new AuthorizerChain([systemMastersAuthorizer, ...middle, this.rbac]);
    this.admissionPlugins = [
      new EscalationCheck({
        rulesOf: (user, namespace) => this.rbac.rulesOf(user, namespace),
        roleRefRules: (roleRef, namespace) => this.rbac.roleRefRules(roleRef, namespace),
        allows: (user, attributes) => this.authorizer.authorizeAttributes(user, attributes).allowed,
      }),
      new CertificateApprovalAdmission({ allows: (user, attributes) => this.authorizer.authorizeAttributes(user, attributes).allowed }),
    ];
  }

  /**
   * Reconciles the bootstrap policy through `client` (in-process, so always allowed), then
   * starts the informers that feed RBAC; resolves once they have listed.
   */
  async start(client: Client, signal: AbortSignal, options: RbacStartOptions = {}): Promise<void> {
    const policy: BindingOptions = {
      bindNodesGroup: options.bindNodesGroup ?? !this.hasNodeAuthorizer,
      extraNodeSubjects: options.nodeSubjects ?? [],
    };
    await reconcileBootstrapPolicy(client, policy);
    await this.rbac.run(client, signal, options.onError ? { onError: options.onError } : {});
  }
}
