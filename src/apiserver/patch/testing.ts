import type { Definitions } from './schema.js';

/** A small Pod/Deployment-like OpenAPI definitions map for this folder's tests. */
export const testDefinitions: Definitions = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      namespace: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      annotations: { type: 'object', additionalProperties: { type: 'string' } },
      finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
      resourceVersion: { type: 'string' },
      uid: { type: 'string' },
      generation: { type: 'integer' },
      creationTimestamp: { type: 'string' },
      managedFields: { type: 'array', items: { type: 'object' } },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': {
    type: 'object',
    properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
    'x-kubernetes-map-type': 'atomic',
  },
  'io.k8s.api.core.v1.Pod': {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' },
      status: { type: 'object', properties: { phase: { type: 'string' } } },
    },
  },
  'io.k8s.api.core.v1.PodTemplateSpec': {
    type: 'object',
    properties: {
      metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' },
    },
  },
  'io.k8s.api.apps.v1.Deployment': {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          selector: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' },
          template: { $ref: '#/definitions/io.k8s.api.core.v1.PodTemplateSpec' },
          strategy: {
            type: 'object',
            'x-kubernetes-patch-strategy': 'retainKeys',
            properties: { type: { type: 'string' }, rollingUpdate: { type: 'object', properties: { maxSurge: { type: 'string' } } } },
          },
        },
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' } } },
    },
  },
  'io.k8s.api.core.v1.PodSpec': {
    type: 'object',
    properties: {
      containers: {
        type: 'array',
        items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
      volumes: {
        type: 'array',
        items: { $ref: '#/definitions/io.k8s.api.core.v1.Volume' },
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge,retainKeys',
      },
      tolerations: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, effect: { type: 'string' } } } },
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
      restartPolicy: { type: 'string' },
    },
  },
  'io.k8s.api.core.v1.Container': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      image: { type: 'string' },
      args: { type: 'array', items: { type: 'string' } },
      ports: {
        type: 'array',
        items: { $ref: '#/definitions/io.k8s.api.core.v1.ContainerPort' },
        'x-kubernetes-patch-merge-key': 'containerPort',
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      },
      env: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } },
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resources: { type: 'object', properties: { limits: { type: 'object', additionalProperties: { type: 'string' } } } },
    },
  },
  'io.k8s.api.core.v1.ContainerPort': {
    type: 'object',
    properties: {
      containerPort: { type: 'integer' },
      protocol: { type: 'string', default: 'TCP' },
      name: { type: 'string' },
    },
  },
  'io.k8s.api.core.v1.Volume': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      emptyDir: { type: 'object', properties: { medium: { type: 'string' } } },
      hostPath: { type: 'object', properties: { path: { type: 'string' } } },
      configMap: { type: 'object', properties: { name: { type: 'string' } } },
    },
  },
};
