import type { ControllerFactory } from './controller.js';

/** Every controller `skiff server` runs, in kube-controller-manager's manner. */
export const allControllers: ControllerFactory[] = [];
