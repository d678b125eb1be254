import { readFileSync } from "node:fs";
import { fixturePath, makeSopsSecret } from "../harness/index.js";

export const fixture = (...p: string[]): string => readFileSync(fixturePath(...p), "utf8");

/** The SOPS Secret `age` of the fleet below, made by our encryptor for a fresh age key at load time. */
export const SOPS_SECRET = await makeSopsSecret({ name: "age", stringData: { key: "sops-fixture-plaintext-4d1f9" } });

/** An ApplicationSet `shop` for env=prod clusters, its objects from apps/shop, in `namespace`. */
export function shopAppSet(namespace: string): string {
  return [
    "apiVersion: flotilla.dev/v1alpha1",
    "kind: ApplicationSet",
    "metadata:",
    "  name: shop",
    "spec:",
    "  generators:",
    "  - clusters:",
    "      selector:",
    "        matchLabels:",
    "          env: prod",
    "  template:",
    "    metadata:",
    "      name: 'shop-{{.name}}'",
    "    spec:",
    "      project: default",
    "      source:",
    "        repoURL: .",
    "        targetRevision: HEAD",
    "        path: apps/shop",
    "      destination:",
    "        name: '{{.name}}'",
    `        namespace: ${namespace}`,
    "      syncPolicy:",
    "        automated:",
    "          prune: true",
    "          selfHeal: true",
    "        syncOptions:",
    "        - CreateNamespace=true",
    "",
  ].join("\n");
}

/** A one-cluster fleet repository: an ApplicationSet for env=prod with a ConfigMap, a Deployment, a SealedSecret and a SOPS Secret. */
export const FLEET = {
  "clusters/eu-1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: eu-1\n  labels:\n    env: prod\nspec:\n  server: https://eu-1.example\n",
  "appsets/shop.yaml": shopAppSet("myns"),
  "apps/shop/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-settings\ndata:\n  mode: safe\n",
  "apps/shop/deployment.yaml":
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: shop\n  template:\n    metadata:\n      labels:\n        app: shop\n    spec:\n      containers:\n      - name: shop\n        image: nginx:1.27\n",
  "apps/shop/sealedsecret.yaml": fixture("sealed-secrets", "strict.sealedsecret.yaml"),
  "apps/shop/sops-secret.yaml": SOPS_SECRET.text,
};

