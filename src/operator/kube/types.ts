// The few Kubernetes object shapes the operator reads. Objects it builds are plain JSON in the
// shape of the API (`KubeObject`): the API server, not TypeScript, is their schema.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface SecretObject extends KubeObject {
  type?: string;
  /** Base64 values, as the API returns them. */
  data?: Record<string, string>;
}

export interface DeploymentObject extends KubeObject {
  spec?: { replicas?: number; template?: { metadata?: ObjectMeta; spec?: unknown } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}
