"""Usage of the official Python client (python3-kubernetes) against a Skiff cluster.

Run by test/clients/python.test.ts with KUBECONFIG pointing at the cluster. Prints one
"ok <step>" line per passing step; any failure raises (non-zero exit with a traceback).
"""
import json
import os
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

config.load_kube_config(config_file=os.environ["KUBECONFIG"])
api = client.ApiClient()
core = client.CoreV1Api(api)
apps = client.AppsV1Api(api)
ns = "pyclient"


def ok(step):
    print("ok", step, flush=True)


core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))

# Typed CRUD of a ConfigMap.
cm = core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="settings", labels={"app": "py"}), data={"a": "1"}))
assert cm.metadata.resource_version and cm.data == {"a": "1"}
assert core.read_namespaced_config_map("settings", ns).data == {"a": "1"}
core.patch_namespaced_config_map("settings", ns, {"data": {"b": "2"}})
cm = core.read_namespaced_config_map("settings", ns)
assert cm.data == {"a": "1", "b": "2"}, cm.data
cm.data = {"c": "3"}
assert core.replace_namespaced_config_map("settings", ns, cm).data == {"c": "3"}
assert [c.metadata.name for c in core.list_namespaced_config_map(ns, label_selector="app=py").items] == ["settings"]
try:
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="settings")))
    raise AssertionError("a second create of the same name succeeded")
except ApiException as e:
    assert e.status == 409, e.status
core.delete_namespaced_config_map("settings", ns)
try:
    core.read_namespaced_config_map("settings", ns)
    raise AssertionError("deleted ConfigMap still readable")
except ApiException as e:
    assert e.status == 404, e.status
ok("configmap crud")

# Typed CRUD of a Deployment; a new one has a status to read.
labels = {"app": "web"}
dep = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="web"),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels=labels),
        template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")])),
    ),
)
created = apps.create_namespaced_deployment(ns, dep)
assert created.status is not None, "a new Deployment has no status"
assert created.status.available_replicas is None
assert created.spec.strategy.type == "RollingUpdate"
scaled = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
assert scaled.spec.replicas == 3
assert apps.read_namespaced_deployment("web", ns).spec.replicas == 3
apps.delete_namespaced_deployment("web", ns)
ok("deployment crud")

# Watch.stream: initial events, then changes after a list's resourceVersion (the client sends watch=True).
for name in ("w1", "w2"):
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name)))
w = watch.Watch()
seen = []
for event in w.stream(core.list_namespaced_config_map, ns, timeout_seconds=20):
    if event["object"].metadata.name in ("w1", "w2"):
        seen.append((event["type"], event["object"].metadata.name))
    if len(seen) == 2:
        w.stop()
assert sorted(seen) == [("ADDED", "w1"), ("ADDED", "w2")], seen
rv = core.list_namespaced_config_map(ns).metadata.resource_version
threading.Timer(0.5, lambda: core.delete_namespaced_config_map("w1", ns)).start()
w = watch.Watch()
changes = []
for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=20):
    if event["type"] == "BOOKMARK":
        continue
    changes.append((event["type"], event["object"].metadata.name))
    w.stop()
assert changes == [("DELETED", "w1")], changes
ok("watch stream")

# Dynamic client discovery.
dyn = DynamicClient(api)
cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
assert [c.metadata.name for c in cms.get(namespace=ns).items if c.metadata.name == "w2"] == ["w2"]
deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
assert deployments.namespaced and "scale" in [s for s in deployments.subresources]
rcs = dyn.resources.get(api_version="v1", kind="ReplicationController")
assert rcs.short_names == ["rc"], rcs.short_names
ok("dynamic discovery")

# Server-side apply, a conflict, and force_conflicts=True (the client sends force=True). This
# client version sends an apply body only when given serialized (JSON is YAML).
body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied", "namespace": ns}, "data": {"owner": "first"}}
dyn.server_side_apply(cms, body=json.dumps(body), name="applied", namespace=ns, field_manager="first")
body["data"]["owner"] = "second"
try:
    dyn.server_side_apply(cms, body=json.dumps(body), name="applied", namespace=ns, field_manager="second")
    raise AssertionError("conflicting apply succeeded")
except ApiException as e:
    assert e.status == 409, e.status
applied = dyn.server_side_apply(cms, body=json.dumps(body), name="applied", namespace=ns, field_manager="second", force_conflicts=True)
assert applied.data.owner == "second"
managers = [m.manager for m in applied.metadata.managedFields]
assert "second" in managers and "first" not in managers, managers
ok("server-side apply")

# Custom resources: a CRD through ApiextensionsV1Api, its objects through CustomObjectsApi, and a
# schema violation refused with 422.
ext = client.ApiextensionsV1Api(api)
crd = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "pets.py.skiff.test"},
    "spec": {
        "group": "py.skiff.test",
        "scope": "Namespaced",
        "names": {"plural": "pets", "singular": "pet", "kind": "Pet"},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {
                "type": "object", "required": ["sound"],
                "properties": {"sound": {"type": "string", "enum": ["woof", "meow"]}, "legs": {"type": "integer", "default": 4}},
            }}}},
        }],
    },
}
ext.create_custom_resource_definition(crd)
custom = client.CustomObjectsApi(api)
for _ in range(100):
    conditions = ext.read_custom_resource_definition("pets.py.skiff.test").status.conditions or []
    if any(c.type == "Established" and c.status == "True" for c in conditions):
        break
    threading.Event().wait(0.1)
pet = custom.create_namespaced_custom_object("py.skiff.test", "v1", ns, "pets", {"apiVersion": "py.skiff.test/v1", "kind": "Pet", "metadata": {"name": "rex"}, "spec": {"sound": "woof"}})
assert pet["spec"]["legs"] == 4, pet
listed = custom.list_namespaced_custom_object("py.skiff.test", "v1", ns, "pets")
assert [p["metadata"]["name"] for p in listed["items"]] == ["rex"]
try:
    custom.create_namespaced_custom_object("py.skiff.test", "v1", ns, "pets", {"apiVersion": "py.skiff.test/v1", "kind": "Pet", "metadata": {"name": "bad"}, "spec": {"sound": "moo"}})
    raise AssertionError("a pet that says moo was stored")
except ApiException as e:
    assert e.status == 422, e.status
    causes = json.loads(e.body)["details"]["causes"]
    assert [(c["field"], c["reason"]) for c in causes] == [("spec.sound", "FieldValueNotSupported")], causes
custom.delete_namespaced_custom_object("py.skiff.test", "v1", ns, "pets", "rex")
ext.delete_custom_resource_definition("pets.py.skiff.test")
ok("custom resources")

core.delete_namespace(ns)
print("done", flush=True)
sys.exit(0)
