//! Talking to the Kubernetes API server, reusing the kubeconfig exactly as
//! kubectl does.

pub mod access;
pub mod apply;
pub mod changes;
pub mod cleanup;
pub mod client;
pub mod credentials;
pub mod deploy;
pub mod doctor;
pub mod errors;
pub mod exec_plugin;
pub mod history;
pub mod inventory;
pub mod kubeconfig;
pub mod logs;
pub mod oidc;
pub mod pod_phase;
pub mod port_forward;
pub mod proxy;
pub mod report;
pub mod status;
pub mod stop;
pub mod traced;
pub mod wait;

/// An `Api` in `namespace`, or across all namespaces when None.
pub fn scoped_api<K>(client: &kube::Client, namespace: Option<&str>) -> kube::Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => kube::Api::namespaced(client.clone(), ns),
        None => kube::Api::all(client.clone()),
    }
}
