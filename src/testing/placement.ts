/**
 * The control-plane parts that place pods on nodes, for tests of nodes (simulated or real) that
 * need pods bound and nodes given pod CIDRs without depending on the controllers themselves.
 */
import type { Client } from '../client/client.js';
import { NodeIpamController } from '../controllers/nodeipam/controller.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { TestContext } from './controllers.js';

/**
 * Runs node IPAM (a podCIDR for each Node) and the scheduler (a node for each Pod) in `context`
 * until it stops; start its informers afterwards.
 */
export function runPodPlacement<C extends Client>(context: TestContext<C>): void {
  context.run(new NodeIpamController(context.ctx));
  context.run(new Scheduler(context.ctx));
}
